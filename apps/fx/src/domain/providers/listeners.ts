/** Called with a listener's exception; listeners never break the emitter or each other. */
export type ListenerErrorHandler = (error: unknown) => void;

export const DEFAULT_LISTENER_ERROR_HANDLER: ListenerErrorHandler = (error) => {
  console.error('FX rate listener failed', error);
};

/** A minimal synchronous listener set: errors thrown by one listener are reported, not propagated. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  constructor(private readonly onError: ListenerErrorHandler = DEFAULT_LISTENER_ERROR_HANDLER) {}

  add(listener: (value: T) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.set.add(entry);
    return () => {
      this.set.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}
