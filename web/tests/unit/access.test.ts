import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canOnExperiment, canOnModel, kOpenAccess, type Access, type CurrentUser } from '../../src/access';

const bob: CurrentUser = {
  id: 2, username: 'bob', is_admin: false,
  experiment_permissions: [{ experiment_id: '1', permission: 'READ' }, { experiment_id: '2', permission: 'MANAGE' },
    { experiment_id: '3', permission: 'NO_PERMISSIONS' }],
  registered_model_permissions: [{ name: 'loan_model', permission: 'EDIT' }],
};

test('without sign-in everything is allowed', () => {
  assert.equal(canOnExperiment(kOpenAccess, '1', 'delete'), true);
  assert.equal(canOnModel(kOpenAccess, 'x', 'manage'), true);
});

test('granted permissions decide, as MLflow defines them', () => {
  const access: Access = { user: bob, defaultPermission: 'READ' };
  assert.equal(canOnExperiment(access, '1', 'read'), true);
  assert.equal(canOnExperiment(access, '1', 'update'), false);
  assert.equal(canOnExperiment(access, '2', 'delete'), true);
  assert.equal(canOnExperiment(access, '3', 'read'), false);
  assert.equal(canOnModel(access, 'loan_model', 'update'), true);
  assert.equal(canOnModel(access, 'loan_model', 'delete'), false);
});

test('the default applies where nothing was granted; admins may do everything', () => {
  assert.equal(canOnExperiment({ user: bob, defaultPermission: 'READ' }, '9', 'update'), false);
  assert.equal(canOnExperiment({ user: bob, defaultPermission: 'EDIT' }, '9', 'update'), true);
  assert.equal(canOnModel({ user: bob, defaultPermission: 'NO_PERMISSIONS' }, 'other', 'read'), false);
  const admin: Access = { user: { ...bob, is_admin: true }, defaultPermission: 'NO_PERMISSIONS' };
  assert.equal(canOnExperiment(admin, '3', 'delete'), true);
});
