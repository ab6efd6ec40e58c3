// Navigation within the single page: the view's state lives in location.hash, so back and
// forward, reloads and shared links all work. useRoute re-renders on every hash change.

import { useEffect, useState } from 'preact/hooks';
import { parseHash, type Route } from './router';

const kEvent = 'orchard-navigate';

/** Shows a hash; `replace` rewrites the current history entry instead of adding one. */
export function navigate(hash: string, replace = false): void {
  if (hash === location.hash || (hash === '#/' && !location.hash)) return;
  if (replace) {
    history.replaceState(history.state, '', hash);
    window.dispatchEvent(new Event(kEvent));
  } else {
    location.hash = hash;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', update);
    window.addEventListener(kEvent, update);
    return () => {
      window.removeEventListener('hashchange', update);
      window.removeEventListener(kEvent, update);
    };
  }, []);
  return route;
}
