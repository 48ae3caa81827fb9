import { ExecutionContext } from '@nestjs/common';
import { Observable, firstValueFrom, of } from 'rxjs';
import { RpcStep } from '@paygate/transport';
import { RpcInterceptorChain } from './rpc-chain';

function ctx(type: 'rpc' | 'http'): ExecutionContext {
  return {
    getType: () => type,
    getHandler: () => function handler() {},
    switchToRpc: () => ({ getContext: () => ({ getSubject: () => 'demo.echo', getHeaders: () => ({ get: () => '' }) }) }),
  } as unknown as ExecutionContext;
}

/** A step that records when it runs and tags the result on the way out. */
function tagging(name: string, seen: string[]): RpcStep {
  return {
    around: async (call, next) => {
      seen.push(`in:${name}:${call.pattern}`);
      return `${name}(${String(await next())})`;
    },
  };
}

describe('RpcInterceptorChain', () => {
  it('runs the steps in order around the handler, for messages', async () => {
    const seen: string[] = [];
    const chain = new RpcInterceptorChain([tagging('a', seen), tagging('b', seen)]);
    const out = await firstValueFrom(chain.intercept(ctx('rpc'), { handle: () => of('h') }));
    expect(out).toBe('a(b(h))');
    expect(seen).toEqual(['in:a:demo.echo', 'in:b:demo.echo']);
  });

  it('lets HTTP requests through untouched', async () => {
    const seen: string[] = [];
    const chain = new RpcInterceptorChain([tagging('a', seen)]);
    expect(await firstValueFrom(chain.intercept(ctx('http'), { handle: () => of('h') }))).toBe('h');
    expect(seen).toEqual([]);
  });

  it('a step that answers without calling next stops the chain', async () => {
    const seen: string[] = [];
    const refuse: RpcStep = { around: () => Promise.reject(new Error('refused')) };
    const chain = new RpcInterceptorChain([refuse, tagging('b', seen)]);
    await expect(firstValueFrom(chain.intercept(ctx('rpc'), { handle: () => of('h') }))).rejects.toThrow('refused');
    expect(seen).toEqual([]);
  });

  it('a handler that answers nothing resolves undefined; one that fails rejects with its error', async () => {
    const chain = new RpcInterceptorChain([tagging('a', [])]);
    expect(await firstValueFrom(chain.intercept(ctx('rpc'), { handle: () => new Observable((s) => s.complete()) }))).toBe('a(undefined)');
    const failing = { handle: () => new Observable((s) => s.error(new Error('boom'))) };
    await expect(firstValueFrom(chain.intercept(ctx('rpc'), failing))).rejects.toThrow('boom');
  });
});
