import { Body, Controller, Get, Header, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { connectionInfo } from '../../../../infrastructure/http/business-listener';
import { Authenticated, CurrentPrincipal, Public, Roles } from '../../../../infrastructure/http/route-access';
import { DomainError } from '../../../../shared-kernel/domain-error';
import type { Principal } from '../../../../shared-kernel/roles';
import { ClientCertificateService } from '../application/client-certificate.service';
import { CrlService } from '../application/crl.service';
import { PlatformCa } from '../application/platform-ca.service';
import { IssueCertificateRequest, ListCertificatesQuery, PolicyQuery, RevokeCertificateRequest, SetPolicyRequest } from './pki.dto';

const SERIAL = /^[0-9a-f]{32}$/;
const serialParam = (s: string) => {
  const v = s.toLowerCase();
  if (!SERIAL.test(v)) throw DomainError.notFound('PKI.CERTIFICATE_NOT_FOUND', 'certificate');
  return v;
};

@ApiTags('pki')
@Controller('pki')
export class PkiController {
  constructor(
    private readonly certificates: ClientCertificateService,
    private readonly crl: CrlService,
    private readonly ca: PlatformCa,
  ) {}

  @Post('certificates')
  @Roles('platform-admin', 'organizer-admin')
  @ApiCreatedResponse({ description: 'the certificate as password-protected PKCS#12 (base64, with the CA chain) and PEM; the private key is not kept' })
  issue(@Body() body: IssueCertificateRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const b = body.binding;
    let binding;
    if (b.kind === 'machine') {
      if (!b.machineName || b.account) throw bindingError('machine bindings name a machineName (and no account)');
      binding = { kind: 'machine' as const, machineName: b.machineName };
    } else {
      if (!b.account || b.machineName) throw bindingError('directory bindings name an account (and no machineName)');
      binding = { kind: 'directory' as const, account: b.account };
    }
    return this.certificates.issue({ principal: p, clientAddress: req.ip }, { ...body, binding });
  }

  @Get('certificates')
  @Roles('platform-admin', 'organizer-admin')
  list(@Query() q: ListCertificatesQuery, @CurrentPrincipal() p: Principal) {
    return this.certificates.list(p, q);
  }

  @Get('certificates/:serial')
  @Roles('platform-admin', 'organizer-admin')
  @ApiNotFoundResponse()
  get(@Param('serial') serial: string, @CurrentPrincipal() p: Principal) {
    return this.certificates.get(p, serialParam(serial));
  }

  @Post('certificates/:serial/revoke')
  @Roles('platform-admin', 'organizer-admin')
  @HttpCode(200)
  @ApiOkResponse({ description: 'revoked: refused from the next request on, listed in the next CRL' })
  revoke(@Param('serial') serial: string, @Body() body: RevokeCertificateRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.certificates.revoke({ principal: p, clientAddress: req.ip }, serialParam(serial), body.reason);
  }

  @Get('policy')
  @Roles('platform-admin', 'organizer-admin')
  getPolicy(@Query() q: PolicyQuery, @CurrentPrincipal() p: Principal) {
    return this.certificates.getPolicy(p, q.organizationId);
  }

  @Put('policy')
  @Roles('platform-admin', 'organizer-admin')
  setPolicy(@Body() body: SetPolicyRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.certificates.setPolicy({ principal: p, clientAddress: req.ip, listener: connectionInfo(req.raw).listener }, body);
  }

  /** Which listener and certificate this request came through (for clients checking their set-up). */
  @Get('connection')
  @Authenticated()
  connection(@Req() req: FastifyRequest, @CurrentPrincipal() p: Principal) {
    const c = connectionInfo(req.raw);
    return { listener: c.listener, serial: c.serial ?? null, userId: p.subjectId };
  }

  /** The current CRL (DER, application/pkix-crl) — the URL written into every certificate. */
  @Get('crl')
  @Public()
  @ApiProduces('application/pkix-crl')
  @Header('content-type', 'application/pkix-crl')
  @Header('cache-control', 'public, max-age=60')
  @ApiServiceUnavailableResponse({ description: 'no CRL yet (no certificate was ever issued)' })
  async currentCrl(): Promise<Buffer> {
    const crl = await this.crl.latest();
    if (!crl) throw new DomainError('PKI.NO_CRL', 'no CRL has been published yet', 'unavailable');
    return crl.der;
  }

  @Get('crl.pem')
  @Public()
  @ApiProduces('application/x-pem-file')
  @Header('content-type', 'application/x-pem-file')
  @Header('cache-control', 'public, max-age=60')
  async currentCrlPem(): Promise<string> {
    const crl = await this.crl.latest();
    if (!crl) throw new DomainError('PKI.NO_CRL', 'no CRL has been published yet', 'unavailable');
    return crl.pem;
  }

  /** The platform client CA certificate (PEM). */
  @Get('ca.crt')
  @Public()
  @ApiProduces('application/x-pem-file')
  @Header('content-type', 'application/x-pem-file')
  async caCertificate(): Promise<string> {
    const ca = await this.ca.existing();
    if (!ca) throw new DomainError('PKI.NO_CA', 'the platform CA has not been created yet', 'unavailable');
    return ca.material.certificatePem;
  }
}

function bindingError(message: string): DomainError {
  return new DomainError('REQUEST.VALIDATION_FAILED', message, 'validation', { errors: [{ field: 'binding', message }] });
}
