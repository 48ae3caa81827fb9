import { IncomingMessage, request } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads Server-Sent Events from `url` until `count` events arrived (or `timeoutMs` passed), then
 * disconnects. Parses `id:`, `event:` and `data:` lines; comments and `retry:` are skipped.
 */
export function readSse(
  url: string,
  headers: Record<string, string>,
  count: number,
  timeoutMs = 10_000,
): Promise<{ status: number; contentType?: string; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let buffer = '';
    let response: IncomingMessage | undefined;
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      response = res;
      if (res.statusCode !== 200) {
        res.resume();
        return finish();
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          const e: SseEvent = { data: '' };
          let hasData = false;
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              e.data += line.slice(6);
              hasData = true;
            }
          }
          if (hasData) events.push(e);
          if (events.length >= count) return finish();
        }
      });
    });
    const timer = setTimeout(finish, timeoutMs);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status: response?.statusCode ?? 0, contentType: response?.headers['content-type'], events });
    }
    req.on('error', (e) => (done ? undefined : reject(e)));
    req.end();
  });
}
