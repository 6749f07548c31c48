// Proof at the stop: the camera's photo, downscaled on the phone before it is kept (a 12-MP
// photo becomes a ~200 kB JPEG, which a weak signal can carry), and the recipient's signature
// drawn with a finger on a canvas.
const LONGEST_SIDE = 1600;
const QUALITY = 0.8;

const toBlob = (canvas, type, quality) => new Promise((resolve) => canvas.toBlob(resolve, type, quality));

/** The photo as a JPEG no larger than LONGEST_SIDE on its longest side, and a preview URL. */
export async function downscale(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return { blob: await toBlob(canvas, "image/jpeg", QUALITY), preview: canvas.toDataURL("image/jpeg", 0.5) };
}

/** A signature pad on `canvas`: draw with a finger, stylus or mouse. */
export function signaturePad(canvas) {
  const pen = canvas.getContext("2d");
  let drawn = false;
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  const clear = () => {
    pen.fillStyle = "#fff";
    pen.fillRect(0, 0, canvas.width, canvas.height);
    drawn = false;
  };
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = point(event);
    pen.strokeStyle = "#111";
    pen.lineWidth = 3;
    pen.lineCap = "round";
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...next);
    pen.stroke();
    last = next;
    drawn = true;
  });
  const lift = () => (last = null);
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
  clear();
  return {
    clear,
    isEmpty: () => !drawn,
    toBlob: () => toBlob(canvas, "image/png"),
  };
}
