import { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Observable, firstValueFrom, map, of } from 'rxjs';
import { RpcInterceptorChain } from './rpc-chain';

function ctx(type: 'rpc' | 'http'): ExecutionContext {
  return { getType: () => type } as unknown as ExecutionContext;
}

/** An interceptor that records when it runs and tags the result on the way out. */
function tagging(name: string, seen: string[]): NestInterceptor {
  return {
    intercept: (_c: ExecutionContext, next: CallHandler) => {
      seen.push(`in:${name}`);
      return next.handle().pipe(map((v) => `${name}(${String(v)})`));
    },
  };
}

describe('RpcInterceptorChain', () => {
  it('runs the interceptors in order around the handler, for messages', async () => {
    const seen: string[] = [];
    const chain = new RpcInterceptorChain([tagging('a', seen), tagging('b', seen)]);
    const out = await firstValueFrom(chain.intercept(ctx('rpc'), { handle: () => of('h') }));
    expect(out).toBe('a(b(h))');
    expect(seen).toEqual(['in:a', 'in:b']);
  });

  it('lets HTTP requests through untouched', async () => {
    const seen: string[] = [];
    const chain = new RpcInterceptorChain([tagging('a', seen)]);
    expect(await firstValueFrom(chain.intercept(ctx('http'), { handle: () => of('h') }))).toBe('h');
    expect(seen).toEqual([]);
  });

  it('an interceptor that answers without calling next stops the chain', async () => {
    const seen: string[] = [];
    const refuse: NestInterceptor = { intercept: () => new Observable((s) => s.error(new Error('refused'))) };
    const chain = new RpcInterceptorChain([refuse, tagging('b', seen)]);
    await expect(firstValueFrom(chain.intercept(ctx('rpc'), { handle: () => of('h') }))).rejects.toThrow('refused');
    expect(seen).toEqual([]);
  });
});
