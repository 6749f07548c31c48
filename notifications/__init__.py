"""Reaching people and systems outside the console: notification rules and channels (Web Push,
e-mail, SMS), outgoing webhooks, and the outbox a worker sends from."""
