import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController, IdentityController } from './api/security.controller';
import { AuthGuard } from './api/auth.guard';
import { ApiKeyService } from './application/api-key.service';
import { AuditLog } from './application/audit-log';
import { AuthService } from './application/auth.service';
import { BootstrapAdmin } from './application/bootstrap-admin';
import { IdentityService } from './application/identity.service';
import { LoginThrottle } from './application/login-throttle';
import { PasswordHasher } from './application/password-hasher';
import { SessionService } from './application/session.service';
import { BusinessListener } from './pki/infrastructure/business-listener.service';
import { PKI_CONTROLLERS, PKI_PROVIDERS } from './pki/pki.providers';

/** Security: identity, tenancy, sessions, API keys, brute-force protection, the audit log, the platform PKI. */
@Module({
  controllers: [AuthController, IdentityController, ...PKI_CONTROLLERS],
  providers: [
    PasswordHasher,
    LoginThrottle,
    SessionService,
    ApiKeyService,
    AuditLog,
    AuthService,
    IdentityService,
    BootstrapAdmin,
    ...PKI_PROVIDERS,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [IdentityService, AuditLog, BootstrapAdmin, BusinessListener],
})
export class SecurityModule {}
