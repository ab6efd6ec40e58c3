// Who is signed in (users/current), shared by every component: read at start and again on each
// page change and after the user creates something (the creator gets MANAGE on it).

import { useEffect, useState } from 'preact/hooks';
import { getCurrentUser } from './api';
import { kOpenAccess, type Access } from './access';

let current: Access = kOpenAccess;
const listeners = new Set<(access: Access) => void>();
let pending: Promise<void> | null = null;

/** Reads the signed-in user again; failures keep what was known (the server refuses anyway). */
export function refreshAccess(): Promise<void> {
  pending ??= getCurrentUser().then((answer) => {
    current = answer ? { user: answer.user, defaultPermission: answer.default_permission } : kOpenAccess;
    for (const listener of listeners) listener(current);
  }, () => undefined).finally(() => { pending = null; });
  return pending;
}

/** The current Access; the component renders again when it changes. */
export function useAccess(): Access {
  const [access, setAccess] = useState(current);
  useEffect(() => {
    listeners.add(setAccess);
    setAccess(current);
    return () => { listeners.delete(setAccess); };
  }, []);
  return access;
}
