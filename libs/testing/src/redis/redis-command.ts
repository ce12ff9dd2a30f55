import { connect } from 'node:net';

/** A reply to one command, as far as the harness needs to read it. */
export type RedisReply = string | number | null | RedisReply[];

/**
 * Sends one command over a fresh TCP connection and resolves with its reply. It is how the
 * harness probes a server it has just started (PING, CLUSTER INFO) without a client library
 * and its reconnect loop. Rejects on a connection error, an error reply (`-ERR ...`) or after
 * `timeoutMs`.
 */
export async function sendRedisCommand(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 1000,
): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | null, reply?: RedisReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`${host}:${port} did not answer ${args[0]} within ${timeoutMs} ms`)),
    );
    socket.once('error', (error) => finish(error));
    socket.once('close', () =>
      finish(new Error(`${host}:${port} closed the connection before answering ${args[0]}`)),
    );
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseReply(buffer, 0);
        if (parsed) finish(null, parsed.reply);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.write(encodeCommand(args));
  });
}

function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** Parses one RESP2 reply at `offset`; null when the buffer does not hold all of it yet. */
function parseReply(buffer: Buffer, offset: number): { reply: RedisReply; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      throw new Error(`Redis answered an error: ${line}`);
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RedisReply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, cursor);
        if (!item) return null;
        items.push(item.reply);
        cursor = item.end;
      }
      return { reply: items, end: cursor };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
