import type { Provider, Type } from '@nestjs/common';
import { PkiController } from './api/pki.controller';
import { ClientCertEnforcer, LOGIN_POLICY, REQUEST_POLICY } from './application/client-cert-enforcer';
import { ClientCertificateService } from './application/client-certificate.service';
import { CrlService } from './application/crl.service';
import { DirectoryEnforcement } from './application/directory-enforcement.service';
import { DIRECTORY } from './application/directory.port';
import { RevokeCertificatesOnUserDeactivated } from './application/event-handlers/user-deactivated.handler';
import { DirectorySyncJob, PkiSchedules, PublishCrlJob } from './application/jobs/pki-jobs.handler';
import { PkiBus } from './application/pki-bus';
import { PlatformCa } from './application/platform-ca.service';
import { BusinessListener } from './infrastructure/business-listener.service';
import { LdapDirectory } from './infrastructure/ldap-directory';

/** The PKI part of the Security module (it needs the module's sessions and audit log, so it lives inside it). */
export const PKI_PROVIDERS: Provider[] = [
  PkiBus,
  PlatformCa,
  CrlService,
  { provide: DIRECTORY, useClass: LdapDirectory },
  DirectoryEnforcement,
  ClientCertEnforcer,
  { provide: REQUEST_POLICY, useExisting: ClientCertEnforcer },
  { provide: LOGIN_POLICY, useExisting: ClientCertEnforcer },
  ClientCertificateService,
  BusinessListener,
  PublishCrlJob,
  DirectorySyncJob,
  PkiSchedules,
  RevokeCertificatesOnUserDeactivated,
];

export const PKI_CONTROLLERS: Type[] = [PkiController];
