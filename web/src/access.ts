// What the signed-in user may do, as the server's basic-auth app decides it (MLflow's
// permissions): READ reads, EDIT also changes, MANAGE also deletes and grants. Admins may do
// everything; where nothing was granted, the server's default permission applies. Without the
// auth app there is no user and everything is allowed. The UI hides what is not allowed; the
// server refuses it anyway.

export type PermissionName = 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';
export type Action = 'read' | 'update' | 'delete' | 'manage';

export interface CurrentUser {
  id: number;
  username: string;
  is_admin: boolean;
  experiment_permissions: Array<{ experiment_id: string; permission: PermissionName }>;
  registered_model_permissions: Array<{ name: string; permission: PermissionName }>;
}

export interface Access {
  /** null: the server has no sign-in (everything is allowed). */
  user: CurrentUser | null;
  defaultPermission: PermissionName;
}

export const kOpenAccess: Access = { user: null, defaultPermission: 'MANAGE' };

const kAllows: Record<PermissionName, readonly Action[]> = {
  READ: ['read'],
  EDIT: ['read', 'update'],
  MANAGE: ['read', 'update', 'delete', 'manage'],
  NO_PERMISSIONS: [],
};

function allows(access: Access, granted: PermissionName | undefined, action: Action): boolean {
  if (!access.user || access.user.is_admin) return true;
  return (kAllows[granted ?? access.defaultPermission] ?? []).includes(action);
}

/** Whether `action` on the experiment (and its runs and artifacts) is allowed. */
export function canOnExperiment(access: Access, experimentId: string, action: Action): boolean {
  const granted = access.user?.experiment_permissions.find((p) => p.experiment_id === experimentId);
  return allows(access, granted?.permission, action);
}

/** Whether `action` on the registered model (and its versions) is allowed. */
export function canOnModel(access: Access, name: string, action: Action): boolean {
  const granted = access.user?.registered_model_permissions.find((p) => p.name === name);
  return allows(access, granted?.permission, action);
}
