// Retrying with exponential backoff, a bounded number of times.

/** How failed attempts are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: never retry). */
  retries: number;
  /** The pause before the first retry; each next pause doubles. */
  baseDelayMs: number;
}

/** What a caller is told before each retry. */
export interface RetryNotice {
  retry: number;
  delayMs: number;
  error: Error;
}

/**
 * Calls `attempt(n)` (n from 1) until it succeeds, `isRetryable` says an error is final,
 * or the retries are spent; then rethrows the last error.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (error: Error) => boolean,
  onRetry: (notice: RetryNotice) => Promise<void> | void,
): Promise<T> {
  for (let n = 1;; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      // Attempt n failed: what follows is retry number n.
      if (n > policy.retries || !isRetryable(error as Error)) throw error;
      const delayMs = policy.baseDelayMs * 2 ** (n - 1);
      await onRetry({ retry: n, delayMs, error: error as Error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
