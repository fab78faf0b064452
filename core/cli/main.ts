// The `zmtp` command: dispatches to one module per subcommand.
const USAGE = `usage: zmtp <command> [options]

commands:
  decode FILE [--json]                      decode ZMTP traffic in a pcap/pcapng file
  capture -i IFACE [-f FILTER] [--json] [-w FILE]   capture and decode live traffic
  socket TYPE (--bind|--connect) ENDPOINT   run a socket from the command line
  serve [--host 127.0.0.1] [--port N]       serve the inspector UI over HTTP
  bench                                     run the benchmarks
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<{ run: Command }>> = {};

export function registerCommand(name: string, load: () => Promise<{ run: Command }>): void {
  commands[name] = load;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`zmtp: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  const mod = await load();
  return mod.run(rest);
}

registerCommand('serve', () => import('./serve.js'));
registerCommand('decode', () => import('./decode.js'));
registerCommand('capture', () => import('./capture.js'));
registerCommand('socket', () => import('./socket.js'));
registerCommand('bench', () => import('./bench.js'));
