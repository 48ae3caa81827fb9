import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IsInt, IsString } from 'class-validator';
import { DomainError } from '@paygate/contracts';
import { createValidationPipe } from '@paygate/transport';
import { directHandlers } from './direct-handlers';

class AddRequest {
  @IsInt()
  a!: number;

  @IsInt()
  b!: number;

  @IsString()
  label!: string;
}

@Controller()
class DemoController {
  @MessagePattern('demo.add')
  add(@Payload() req: AddRequest) {
    return { sum: req.a + req.b, label: req.label, instance: req instanceof AddRequest };
  }

  @EventPattern('demo.happened')
  happened(@Payload() _e: unknown): void {}

  notAHandler(): string {
    return 'no';
  }
}

describe('directHandlers', () => {
  it("finds the message handlers (not the event handlers) and validates each payload as Nest's pipe does", async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [DemoController] }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    try {
      const handlers = directHandlers(app, createValidationPipe());
      expect([...handlers.keys()]).toEqual(['demo.add']);
      const add = handlers.get('demo.add')!;
      await expect(add({ a: 1, b: 2, label: 'x' })).resolves.toEqual({ sum: 3, label: 'x', instance: true });
      const refused = await add({ a: 1, b: 'two', label: 'x', extra: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect(refused).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect((refused as DomainError).details.map((d) => d.field).sort()).toEqual(['b', 'extra']);
    } finally {
      await app.close();
    }
  });
});
