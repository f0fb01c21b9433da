/** One dispatched server-sent event. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/**
 * A small incremental parser for the text/event-stream format (the WHATWG rules for lines,
 * fields and dispatch). EventSource cannot send an Authorization header, so password sessions
 * read the stream through fetch() and this.
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;

  constructor(private readonly dispatch: (m: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.lineEnd();
      if (end < 0) return;
      const line = this.buffer.slice(0, end);
      const crlf = this.buffer[end] === "\r" && this.buffer[end + 1] === "\n";
      this.buffer = this.buffer.slice(end + (crlf ? 2 : 1));
      this.line(line);
    }
  }

  /** The first line break; a trailing "\r" waits for the next chunk, in case a "\n" follows. */
  private lineEnd(): number {
    const end = this.buffer.search(/[\r\n]/);
    if (end === this.buffer.length - 1 && this.buffer[end] === "\r") return -1;
    return end;
  }

  private line(line: string): void {
    if (line === "") return this.flush();
    if (line.startsWith(":")) return; // A comment (keep-alive).
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }

  private flush(): void {
    if (this.data.length) this.dispatch({ id: this.id, event: this.event || "message", data: this.data.join("\n") });
    this.data = [];
    this.event = "";
  }
}

/** Reads a response body to its end, handing each event to `onMessage`. */
export async function readServerSentEvents(body: ReadableStream<Uint8Array>, onMessage: (m: SseMessage) => void) {
  const parser = new SseParser(onMessage);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return parser.push(decoder.decode());
    parser.push(decoder.decode(value, { stream: true }));
  }
}
