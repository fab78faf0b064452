// Compile-time checks of the socket classes' types, made by the typecheck test (tsc -p tsconfig.json,
// test/unit/typecheck.test.ts): each `@ts-expect-error` line must be an error, or tsc reports the
// directive as unused. Never run; the sockets are only declared.
import type { Dealer, Pull, Push, Publisher, Request, Router, Subscriber, XPublisher } from '../../core/index.js';
import type { Dish, Server } from '../../core/draft.js';

declare const pull: Pull;
declare const push: Push;
declare const pub: Publisher;
declare const sub: Subscriber;
declare const dealer: Dealer;
declare const router: Router;
declare const req: Request;
declare const xpub: XPublisher;
declare const server: Server;
declare const dish: Dish;

export async function checks(): Promise<void> {
  // send and receive only where the type has them (zeromq.js's Writable and Readable).
  // @ts-expect-error a PULL cannot send
  await pull.send('x');
  // @ts-expect-error a SUB cannot send
  await sub.send('x');
  // @ts-expect-error a PUSH cannot receive
  await push.receive();
  // @ts-expect-error a PUB cannot receive
  await pub.receive();
  // @ts-expect-error a PUSH cannot be iterated for messages
  for await (const m of push) void m; // oxlint-disable-line typescript/await-thenable -- the misuse under test
  await push.send(['a', Buffer.from('b'), null, 5]);
  const frames: Buffer[] = await pull.receive();
  for await (const m of dealer) void (m satisfies Buffer[]);
  void frames;

  // The draft types' receive() gives their tuples, send() takes their options.
  const [body, { routingId }] = await server.receive();
  body satisfies Buffer;
  routingId satisfies number;
  await server.send('reply', { routingId });
  // @ts-expect-error SERVER messages are single-part
  await server.send(['a', 'b'], { routingId });
  const [, { group }] = await dish.receive();
  group satisfies Buffer;

  // Options: each class has the ones option-table.ts gives its type, typed by their kind.
  router.mandatory = true;
  req.relaxed = true;
  xpub.verbosity = 'allSubsUnsubs';
  dealer.heartbeatTimeout = 1000;
  // @ts-expect-error verbosity is one of null, 'allSubs', 'allSubsUnsubs'
  xpub.verbosity = 'loud';
  // @ts-expect-error mandatory is a ROUTER option
  dealer.mandatory = true;
  // @ts-expect-error conflate is not a REQ option
  req.conflate = true;
  // @ts-expect-error linger is a number
  dealer.linger = '10';
}

export function constructorOptions(make: { Dealer: typeof Dealer; Router: typeof Router }): void {
  new make.Router({ mandatory: true, linger: 0, routingId: 'r' }).close();
  // @ts-expect-error a DEALER has no mandatory option
  new make.Dealer({ mandatory: true }).close();
  // @ts-expect-error sendHighWaterMark is a number
  new make.Dealer({ sendHighWaterMark: 'lots' }).close();
}
