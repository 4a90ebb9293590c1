import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import type { OrganizationKind, Role } from '../../../shared-kernel/roles';

@Entity({ schema: 'security', tableName: 'organization' })
export class OrganizationEntity {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'text' }) kind!: OrganizationKind;
  @Property({ type: 'text' }) name!: string;
  /** Policy for the Security issue's client certificates; stored now so the model is complete. */
  @Property({ type: 'boolean', fieldName: 'client_cert_required', default: false }) clientCertRequired = false;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt: Date = new Date();
}

@Entity({ schema: 'security', tableName: 'user' })
export class UserEntity {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Index() @Property({ type: 'uuid', fieldName: 'organization_id' }) organizationId!: string;
  /** Stored lower-case; unique across the platform (a login names one account). */
  @Property({ type: 'text', unique: true }) email!: string;
  @Property({ type: 'text', fieldName: 'display_name' }) displayName!: string;
  @Property({ type: 'text', fieldName: 'password_hash', hidden: true }) passwordHash!: string;
  @Property({ type: 'text[]' }) roles: Role[] = [];
  @Property({ type: 'boolean' }) active = true;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt: Date = new Date();
  @Property({ type: 'timestamptz', fieldName: 'updated_at', onUpdate: () => new Date() }) updatedAt: Date = new Date();
}

@Entity({ schema: 'security', tableName: 'api_key' })
export class ApiKeyEntity {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Index() @Property({ type: 'uuid', fieldName: 'organization_id' }) organizationId!: string;
  @Property({ type: 'text' }) name!: string;
  /** SHA-256 of the 256-bit secret (high entropy: a slow hash adds nothing, and it is checked on every request). */
  @Property({ type: 'text', fieldName: 'secret_hash', hidden: true }) secretHash!: string;
  @Property({ type: 'text[]' }) roles: Role[] = [];
  @Property({ type: 'uuid', fieldName: 'created_by' }) createdBy!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt: Date = new Date();
  @Property({ type: 'timestamptz', fieldName: 'revoked_at', nullable: true }) revokedAt?: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'last_used_at', nullable: true }) lastUsedAt?: Date | null;
}

export const SECURITY_ENTITIES = [OrganizationEntity, UserEntity, ApiKeyEntity];
