// The WebSocket to the server: connect, reconnect with backoff, and keep frames in order.
// Every server message carries an increasing `seq`; on a gap we stop applying frames and
// ask for a snapshot, which replaces the client's copy of the run wholesale.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const PING_MS = 25000;

export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

export class PlaygroundSocket {
  /**
   * @param {string} url  ws(s):// address
   * @param {object} hooks  onOpen(reconnected), onMessage(msg), onStatus(status, detail)
   */
  constructor(url, hooks) {
    this.url = url;
    this.hooks = hooks;
    this.ws = null;
    this.lastSeq = null;
    this.awaitingSnapshot = false;
    this.attempt = 0;
    this.opened = false;      // has any connection ever opened (so the next is a reconnect)
    this.retryTimer = null;
    this.pingTimer = null;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.hooks.onStatus?.("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      const reconnected = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.lastSeq = null;     // sequence numbers are per connection
      this.awaitingSnapshot = false;
      this.hooks.onStatus?.("open");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_MS);
      this.hooks.onOpen?.(reconnected);
    });
    ws.addEventListener("message", (event) => {
      if (ws === this.ws) this.receive(event.data);
    });
    ws.addEventListener("close", () => {
      if (ws !== this.ws) return;
      clearInterval(this.pingTimer);
      this.ws = null;
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));   // jitter: no stampede
    this.attempt += 1;
    this.hooks.onStatus?.("closed", { retryInMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn("playground: ignoring a message that is not JSON");
      return;
    }
    if (!msg || typeof msg !== "object") return;
    if (typeof msg.seq === "number") {
      const gap = this.lastSeq !== null && msg.seq !== this.lastSeq + 1;
      this.lastSeq = msg.seq;
      if (msg.type === "snapshot") {
        this.awaitingSnapshot = false;
      } else if (gap && !this.awaitingSnapshot) {
        this.requestSnapshot();
      }
      if (this.awaitingSnapshot && msg.type === "frame") return;   // stale until resync
    }
    this.hooks.onMessage(msg);
  }

  requestSnapshot() {
    this.awaitingSnapshot = true;
    this.send({ type: "snapshot" });
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send one intent; returns false when there is no open connection. */
  send(intent) {
    return this.sendRaw(JSON.stringify(intent));
  }

  /** Send text as is (used by tests to check that the server survives bad input). */
  sendRaw(text) {
    if (!this.isOpen) return false;
    this.ws.send(text);
    return true;
  }
}
