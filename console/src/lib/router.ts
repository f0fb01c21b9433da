import { h, type AnchorHTMLAttributes, type ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

// A small history router: the Worker's asset handler answers every console path with
// index.html (single-page-application fallback), so deep links and reloads work.
const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", to);
  listeners.forEach((l) => l());
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, tick] = useState(0);
  const rendered = location.pathname + location.search;
  useEffect(() => {
    const l = () => tick((n) => n + 1);
    listeners.add(l);
    // A navigation between this render and the effect (a sign-in redirect) would otherwise be missed.
    if (location.pathname + location.search !== rendered) l();
    return () => void listeners.delete(l);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** `/incidents/:id` against a path: the named segments, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(got[i]!);
    else if (w !== got[i]) return null;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { href: string; children: ComponentChildren };

/** An anchor that navigates in place on a plain left click and behaves like a link otherwise. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return h("a", { ...rest, href, onClick }, children);
}
