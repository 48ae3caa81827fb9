import { NatsServerHandle, startNatsServer } from '@paygate/testing';
import { randomBytes } from 'node:crypto';
import { EventBus, InProcessEventBus, NatsEventBus } from './event-bus';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EventBus.consumeDurable', () => {
  jest.setTimeout(60_000);
  describe('NATS JetStream', () => {
    let nats: NatsServerHandle;
    const buses: NatsEventBus[] = [];
    const bus = () => {
      const b = new NatsEventBus({ servers: nats.url, name: 'durable-spec' });
      buses.push(b);
      return b;
    };
    beforeAll(async () => {
      nats = await startNatsServer();
    });
    afterAll(async () => {
      for (const b of buses) await b.close();
      await nats.stop();
    });

    it('acks only after the handler succeeds: a failure is redelivered, acked events are not, across a restart', async () => {
      const suffix = randomBytes(4).toString('hex').toUpperCase();
      const stream = { name: `DURABLE_${suffix}`, subjects: [`durable${suffix}.>`] };
      const publisher = bus();
      for (const n of [1, 2, 3]) await publisher.publishDurable(stream, `durable${suffix}.e`, { n }, `m${n}`);
      // The same message id again is dropped by JetStream.
      await publisher.publishDurable(stream, `durable${suffix}.e`, { n: 1 }, 'm1');

      const seen: number[] = [];
      let failedOnce = false;
      const stop = bus().consumeDurable(stream, 'spec-consumer', async (p) => {
        const { n } = p as { n: number };
        seen.push(n);
        if (n === 2 && !failedOnce) {
          failedOnce = true;
          throw new Error('not yet');
        }
      });
      await until(() => seen.filter((n) => n === 2).length === 2 && seen.includes(1) && seen.includes(3), 'events 1, 2 (twice) and 3');
      await stop();
      expect(seen.filter((n) => n === 1)).toEqual([1]);
      expect(seen.filter((n) => n === 3)).toEqual([3]);

      // Published while no consumer runs; a new process with the same durable name gets only these.
      for (const n of [4, 5]) await publisher.publishDurable(stream, `durable${suffix}.e`, { n }, `m${n}`);
      const after: number[] = [];
      const stop2 = bus().consumeDurable(stream, 'spec-consumer', async (p) => {
        after.push((p as { n: number }).n);
      });
      // Usually at once; but a pull request of the stopped consumer can still be open on the server
      // when 4 and 5 arrive: they go to it and come back after the consumer's ack wait (30 s).
      await until(() => after.length >= 2, 'events 4 and 5 after the restart', 45_000);
      await stop2();
      expect(after.sort()).toEqual([4, 5]);
    });
  });

  describe('in-process', () => {
    it('publishDurable resolves after the durable handlers ran, and fails when one fails', async () => {
      const bus: EventBus = new InProcessEventBus();
      const stream = { name: `INPROC_${randomBytes(4).toString('hex')}`, subjects: ['x.>'] };
      const seen: unknown[] = [];
      let fail = true;
      const stop = bus.consumeDurable(stream, 'c', async (p) => {
        seen.push(p);
        if (fail) throw new Error('db down');
      });
      await expect(bus.publishDurable(stream, 'x.a', { n: 1 }, 'm1')).rejects.toThrow('db down');
      fail = false;
      await bus.publishDurable(stream, 'x.a', { n: 1 }, 'm1');
      expect(seen).toEqual([{ n: 1 }, { n: 1 }]);
      // A second handler under the same name is a replica: only one of them gets each event.
      const replica: unknown[] = [];
      const stopReplica = bus.consumeDurable(stream, 'c', async (p) => {
        replica.push(p);
      });
      await bus.publishDurable(stream, 'x.a', { n: 3 }, 'm3');
      expect(seen).toHaveLength(3);
      expect(replica).toHaveLength(0);
      await stop();
      await bus.publishDurable(stream, 'x.a', { n: 4 }, 'm4');
      expect(replica).toEqual([{ n: 4 }]);
      await stopReplica();
      await bus.publishDurable(stream, 'x.a', { n: 2 }, 'm2');
      expect(seen).toHaveLength(3);
      expect(replica).toHaveLength(1);
      await bus.close();
    });
  });
});
