// ipc:// transport on Unix domain sockets, interoperable with libzmq's ipc (same paths, same framing).
// Like libzmq, binding replaces a stale socket file and unbinding removes it; ipc://* picks a fresh path.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { zmqError } from '../errors.js';
import { ipcEndpointString, type Endpoint } from '../endpoint.js';
import { reportAcceptErrors, serverListening, systemEventError, type Listener } from './stream.js';
import { adoptAccepted, connectWithReader } from './reader.js';
import type { CommonOptionValues } from '../option-table.js';

type IpcEndpoint = Extract<Endpoint, { transport: 'ipc' }>;

export async function listenIpc(
  ep: IpcEndpoint,
  options: CommonOptionValues,
  onStream: (s: net.Socket, l: Listener) => void,
): Promise<Listener> {
  let file = ep.path;
  let tempDir: string | undefined;
  if (file === '*') {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zmq-'));
    file = path.join(tempDir, 'socket');
  } else if (!file.startsWith('\0')) {
    try {
      if (fs.statSync(file).isSocket()) fs.unlinkSync(file);
      else throw zmqError('EADDRINUSE', `cannot bind ${ep.address}: ${file} exists and is not a socket`, ep.address);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        if ((e as { code?: string }).code === 'EADDRINUSE') throw e;
      }
    }
  }
  const server = net.createServer({ pauseOnConnect: true });
  await serverListening(server, ep.address, { path: file, backlog: options.backlog });
  // Open sockets do not keep the process alive by themselves (zeromq.js behaviour); see keepalive.ts.
  server.unref();
  const listener: Listener = {
    endpoint: ipcEndpointString(file),
    close: () => {
      server.close();
      if (file.startsWith('\0')) return undefined;
      try {
        fs.unlinkSync(file);
      } catch (e) {
        // Already gone is fine; anything else is a close:error, as in libzmq.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return systemEventError(e as NodeJS.ErrnoException, `cannot remove ${file}`);
      }
      // libzmq reports a temporary directory (ipc://*) it cannot remove (e.g. ENOTEMPTY) as close:error.
      if (tempDir) {
        try {
          fs.rmdirSync(tempDir);
        } catch (e) {
          return systemEventError(e as NodeJS.ErrnoException, `cannot remove ${tempDir}`);
        }
      }
      return undefined;
    },
  };
  server.on('connection', (s) => onStream(adoptAccepted(s).socket, listener));
  reportAcceptErrors(server, listener); // and keeps listening
  return listener;
}

export function dialIpc(ep: IpcEndpoint): net.Socket {
  return connectWithReader({ path: ep.path });
}
