// What the phone did, kept in IndexedDB until the server has it: job steps, proof (the photo
// and signature as blobs) and batches of positions, each with its own Idempotency-Key, sent
// strictly in the order they were made, so a step never overtakes the one before it. The items
// survive the app being closed and reopened without signal. Each item belongs to the account
// that made it: another driver signing in on the same phone neither sees nor sends it (their
// token would put the first driver's steps and positions on their own name).
import { ApiError } from "/console/static/common.js";
import { userId } from "./session.js";

const DB_NAME = "coopfleet-driver";
const STORE = "outbox";
let database = null;

function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function run(mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
  });
}

const listeners = new Set();
/** Call `listener(items)` whenever the waiting items change. */
export const onChange = (listener) => listeners.add(listener);
async function changed() {
  const items = await waiting();
  for (const listener of listeners) listener(items);
}

/** Keep an action to send; it gets its Idempotency-Key and the time it was made. */
export async function add(item) {
  const made = { ...item, user: userId(), key: crypto.randomUUID(), made_at: new Date().toISOString() };
  made.id = await run("readwrite", (store) => store.add(made));
  await changed();
  return made;
}

/** The signed-in driver's waiting items, oldest first. */
export async function waiting() {
  const all = await run("readonly", (store) => store.getAll());
  return all.filter((item) => item.user === userId());
}

const remove = (id) => run("readwrite", (store) => store.delete(id));

/** Whether an answer means "try again later" (no signal, server busy) rather than "no". */
function temporary(error) {
  if (!(error instanceof ApiError)) return true; // fetch failed: no network
  return error.status === 401 || error.status === 408 || error.status === 429 || error.status >= 500;
}

let flushing = null;

/** Send the waiting items in order with `send(item)`; stops at the first that cannot go yet.
 *  An item the server refuses for good (a 4xx) is dropped and given to `onRefused`. */
export function flush(send, onRefused) {
  flushing ??= (async () => {
    try {
      for (;;) {
        const [item] = await waiting(); // read again each time: items added meanwhile go too
        if (!item) return true;
        try {
          await send(item);
        } catch (error) {
          if (temporary(error)) return false;
          onRefused(item, error);
        }
        await remove(item.id);
        await changed();
      }
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}
