/** A hash router: #/runs, #/new, #/run/ID, #/run/ID/diagnostics, #/compare/1,2, #/explorer. */

export type Route =
  | { readonly name: 'runs' }
  | { readonly name: 'new' }
  | { readonly name: 'run'; readonly id: number }
  | { readonly name: 'diagnostics'; readonly id: number }
  | { readonly name: 'compare'; readonly ids: readonly number[] }
  | { readonly name: 'explorer' }
  | { readonly name: 'not-found'; readonly path: string };

function runId(text: string | undefined): number | null {
  const n = Number(text);
  return text !== undefined && /^\d+$/.test(text) && n > 0 ? n : null;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  const parts = path.split('/').filter((p) => p !== '');
  const [head, arg, tail] = parts;
  if (!head || head === 'runs') return { name: 'runs' };
  if (head === 'new' && !arg) return { name: 'new' };
  if (head === 'explorer' && !arg) return { name: 'explorer' };
  const id = runId(arg);
  if (head === 'run' && id !== null && !tail) return { name: 'run', id };
  if (head === 'run' && id !== null && tail === 'diagnostics') return { name: 'diagnostics', id };
  if (head === 'compare' && arg) {
    const ids = arg.split(',').map(runId);
    if (ids.every((x) => x !== null) && ids.length >= 1) return { name: 'compare', ids: ids as number[] };
  }
  return { name: 'not-found', path };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'run':
      return `#/run/${route.id}`;
    case 'diagnostics':
      return `#/run/${route.id}/diagnostics`;
    case 'compare':
      return `#/compare/${route.ids.join(',')}`;
    case 'not-found':
      return '#/runs';
    default:
      return `#/${route.name}`;
  }
}

export class Router {
  route = $state.raw<Route>(parseRoute(window.location.hash));

  /** Follow hashchange; returns the function that stops. */
  listen(): () => void {
    const update = () => (this.route = parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}
