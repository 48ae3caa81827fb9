import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/** The ceiling of an HTTP endpoint on this machine: Nest on Fastify (as the services), one GET, no work. */
@Controller()
class BareController {
  @Get('/ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

export async function startBareNest(port: number): Promise<() => Promise<void>> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  return () => app.close();
}

// Run as its own process by the bench, so the load generator does not share its event loop.
if (require.main === module) {
  const port = Number(process.argv[2]);
  void startBareNest(port).then(() => process.send?.('ready'));
}
