import { Module } from '@nestjs/common';

/**
 * Access Control: gates, scanner devices, online/offline scanning and the live sync feed. Owns the
 * `access_control` schema. Built out by the Access Control issue; present now so the composition root is complete.
 */
@Module({})
export class AccessControlModule {}
