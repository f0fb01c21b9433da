import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loadable<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `fetcher` when `deps` change (and every `refreshMs` if given), keeping the last data
 * while reloading so panels do not flash. Stale answers from superseded loads are dropped.
 */
export function useApi<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs?: number): Loadable<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    const mine = ++generation.current;
    const ctrl = new AbortController();
    setLoading(true);
    fetcher(ctrl.signal)
      .then((d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError(null);
      })
      .catch((e) => {
        if (mine === generation.current && !ctrl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);

  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(reload, refreshMs);
    return () => clearInterval(t);
  }, [refreshMs, reload]);

  return { data, error, loading, reload };
}
