import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../functions/index";
import { call, randomIp } from "./helpers";

/**
 * Clients we did not write, pointed at the Worker's fetch handler in this isolate: a fetch for
 * graphql-http's audit and graphql-sse, and a WebSocket class for graphql-ws.
 */

/** The Worker as `fetch`, with the caller's credentials added. */
export function workerFetch(headers: Record<string, string> = {}): typeof fetch {
  return async (input, init) => {
    // Clients ask for redirect: "error" or "follow", which workerd's Request does not take from them.
    const { redirect: _redirect, ...rest } = init ?? {};
    const request = new Request(input as RequestInfo, rest);
    for (const [k, v] of Object.entries(headers)) if (!request.headers.has(k)) request.headers.set(k, v);
    request.headers.set("CF-Connecting-IP", randomIp());
    return worker.fetch(request, env, createExecutionContext());
  };
}

type Listener<E> = ((event: E) => void) | null;

/**
 * The browser WebSocket interface graphql-ws's client uses (constructor, readyState, on* handlers,
 * send, close), over the socket of the Worker's upgrade response.
 */
export function workerWebSocket(headers: Record<string, string>) {
  return class WorkerWebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readyState = WorkerWebSocket.CONNECTING;
    protocol = "";
    onopen: Listener<unknown> = null;
    onmessage: Listener<{ data: string }> = null;
    onclose: Listener<{ code: number; reason: string; wasClean: boolean }> = null;
    onerror: Listener<unknown> = null;
    private socket: WebSocket | null = null;

    constructor(url: string, protocol: string) {
      void this.open(url, protocol);
    }

    private async open(url: string, protocol: string): Promise<void> {
      const path = new URL(url).pathname;
      const res = await call(path, { headers: { ...headers, Upgrade: "websocket", "Sec-WebSocket-Protocol": protocol } });
      const ws = res.webSocket;
      if (res.status !== 101 || !ws) {
        this.readyState = WorkerWebSocket.CLOSED;
        this.onerror?.(new Error(`upgrade refused: ${res.status}`));
        this.onclose?.({ code: 1006, reason: `upgrade refused: ${res.status}`, wasClean: false });
        return;
      }
      this.socket = ws;
      this.protocol = res.headers.get("Sec-WebSocket-Protocol") ?? "";
      ws.addEventListener("message", (m) => this.onmessage?.({ data: String(m.data) }));
      ws.addEventListener("close", (e) => {
        this.readyState = WorkerWebSocket.CLOSED;
        this.onclose?.({ code: e.code, reason: e.reason, wasClean: e.wasClean });
      });
      ws.accept();
      this.readyState = WorkerWebSocket.OPEN;
      this.onopen?.({});
    }

    send(data: string): void {
      this.socket?.send(data);
    }

    close(code?: number, reason?: string): void {
      this.readyState = WorkerWebSocket.CLOSING;
      try {
        this.socket?.close(code, reason);
      } catch {
        // Already closed.
      }
    }
  };
}

/**
 * Waits for the first item of a subscription, re-triggering the event every second: a subscription
 * has no "now listening" signal, so an event fired before the hub subscription opened is simply missed.
 */
export async function firstWhile<T>(iterator: AsyncIterator<T>, trigger: () => Promise<unknown>, attempts = 6): Promise<T> {
  const next = iterator.next();
  for (let i = 0; i < attempts; i++) {
    await trigger();
    const r = await Promise.race([next, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000))]);
    if (r) {
      if (r.done) throw new Error("the subscription ended");
      return r.value;
    }
  }
  throw new Error("no event arrived");
}
