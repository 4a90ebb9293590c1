import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { newId, randomToken } from '../../../shared-kernel/ids';
import type { OrganizationKind, Principal, Role } from '../../../shared-kernel/roles';
import { sameHash, sha256 } from './credential-hash';

export const API_KEY_PREFIX = 'ptk_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Machine credentials: `ptk_<key id>.<secret>`; only SHA-256(secret) is stored. Shown once at creation. */
@Injectable()
export class ApiKeyService {
  constructor(private readonly orm: MikroORM) {}

  async create(em: EntityManager, input: { organizationId: string; name: string; roles: Role[]; createdBy: string }) {
    const id = newId();
    const secret = randomToken(32);
    await runSql(
      em,
      `insert into security.api_key (id, organization_id, name, secret_hash, roles, created_by) values (?, ?, ?, ?, ?::text[], ?)`,
      [id, input.organizationId, input.name, sha256(secret).toString('hex'), input.roles, input.createdBy],
    );
    return { id, key: `${API_KEY_PREFIX}${id}.${secret}` };
  }

  async authenticate(presented: string): Promise<Principal | null> {
    const m = /^ptk_([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,100})$/.exec(presented);
    if (!m || !UUID.test(m[1])) return null;
    const em = this.orm.em.fork() as EntityManager;
    const [row] = await runSql<{ id: string; organization_id: string; kind: OrganizationKind; roles: Role[]; secret_hash: string; last_used_at: Date | null }>(
      em,
      `select k.id, k.organization_id, o.kind, k.roles, k.secret_hash, k.last_used_at
         from security.api_key k join security.organization o on o.id = k.organization_id
        where k.id = ? and k.revoked_at is null`,
      [m[1]],
    );
    if (!row || !sameHash(Buffer.from(row.secret_hash, 'hex'), sha256(m[2]))) return null;
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
      await runSql(em, `update security.api_key set last_used_at = now() where id = ?`, [row.id]);
    }
    return { kind: 'api-key', subjectId: row.id, organizationId: row.organization_id, organizationKind: row.kind, roles: row.roles };
  }
}
