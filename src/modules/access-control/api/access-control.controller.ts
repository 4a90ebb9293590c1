import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastLane } from '../../../infrastructure/http/fast-lane';
import { uuidParam as uuid } from '../../../infrastructure/http/uuid-param';
import { CurrentPrincipal, Public, Roles } from '../../../infrastructure/http/route-access';
import type { Principal } from '../../../shared-kernel/roles';
import { AccessConfigService } from '../application/access-config.service';
import { AccessDirectory } from '../application/access-directory';
import { ConflictReportQuery } from '../application/conflict-report.query';
import { FeedService } from '../application/feed.service';
import { OfflinePackageService } from '../application/offline-package.service';
import { ScanService } from '../application/scan.service';
import { PackageSigner } from '../infrastructure/package-signer';
import {
  ConfigureEventRequest,
  CreateDeviceRequest,
  CreateGateRequest,
  EnrolRequest,
  FeedQuery,
  OfflineUploadRequest,
  PackageQuery,
  ScanRequest,
  ScanResponse,
} from './access-control.dto';
import { ScanBody } from './scan-body';
import { RouteConfig } from '@nestjs/platform-fastify';
import { PUBLIC_WRITE_RATE_LIMIT } from '../../../infrastructure/http/rate-limit';

/**
 * The scanner hot routes answer machine clients, not browsers: the browser-only headers the global hook sets (HSTS,
 * referrer policy, nosniff), the request id (the device scan id identifies a scan) and the Date header are dropped
 * there: ~250 bytes less per scan on the wire (the online data budget).
 */
function leanHeaders(reply: FastifyReply): void {
  for (const h of ['strict-transport-security', 'referrer-policy', 'x-content-type-options', 'x-request-id']) reply.removeHeader(h);
  reply.raw.sendDate = false;
}

const scanBody = new ScanBody();


/**
 * Scanner routes are public for the user/API-key guard: a scanner device authenticates with its own credential
 * (`Authorization: Bearer acd_…`, from enrolment), checked by AccessDirectory on every call.
 */
const DeviceCredential = () =>
  applyDecorators(Public(), ApiBearerAuth(), ApiUnauthorizedResponse({ description: 'missing, unknown or revoked device credential' }));

@ApiTags('access-control')
@Controller('access-control')
export class AccessControlController {
  constructor(
    private readonly config: AccessConfigService,
    private readonly conflicts: ConflictReportQuery,
    private readonly signer: PackageSigner,
  ) {}

  @Put('events/:eventId')
  @Roles('organizer-admin')
  @ApiOkResponse({ description: 'the event’s entry configuration' })
  configureEvent(@Param('eventId', uuid) eventId: string, @Body() body: ConfigureEventRequest, @CurrentPrincipal() p: Principal) {
    return this.config.configureEvent(p, eventId, body.reentryPolicy);
  }

  @Get('events/:eventId')
  @Roles('organizer-admin', 'organizer-staff', 'entry-staff')
  @ApiNotFoundResponse()
  getEvent(@Param('eventId', uuid) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.config.getEvent(p, eventId);
  }

  @Post('events/:eventId/gates')
  @Roles('organizer-admin')
  @ApiCreatedResponse()
  addGate(@Param('eventId', uuid) eventId: string, @Body() body: CreateGateRequest, @CurrentPrincipal() p: Principal) {
    return this.config.addGate(p, eventId, body.name, body.categories ?? null);
  }

  @Get('events/:eventId/conflicts')
  @Roles('organizer-admin', 'organizer-staff')
  @ApiOkResponse({ description: 'tickets used at two devices, codes scanned after their revocation' })
  conflictReport(@Param('eventId', uuid) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.conflicts.forEvent(p, eventId);
  }

  @Post('devices')
  @Roles('organizer-admin')
  @ApiCreatedResponse({ description: 'the device with its one-time enrolment code and a QR-able enrolment URI' })
  createDevice(@Body() body: CreateDeviceRequest, @CurrentPrincipal() p: Principal) {
    return this.config.createDevice(p, body.name, body.eventIds, body.gateIds ?? null);
  }

  @Get('devices')
  @Roles('organizer-admin', 'organizer-staff')
  listDevices(@CurrentPrincipal() p: Principal) {
    return this.config.listDevices(p);
  }

  @Post('devices/:id/revoke')
  @Roles('organizer-admin')
  @HttpCode(200)
  @ApiOkResponse({ description: 'revoked: the device’s next request is refused' })
  revokeDevice(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.config.revokeDevice(p, id);
  }

  @Get('package-key')
  @Public()
  @ApiOkResponse({ description: 'the platform Ed25519 public key (raw, base64url) that signs offline packages; scanners pin it' })
  packageKey() {
    return { algorithm: 'Ed25519', publicKey: this.signer.publicKey };
  }
}

@ApiTags('access-control scanner')
@Controller('access-control/scanner')
export class ScannerController {
  constructor(
    private readonly dir: AccessDirectory,
    private readonly config: AccessConfigService,
    private readonly scans: ScanService,
    private readonly feed: FeedService,
    private readonly packages: OfflinePackageService,
    fastLane: FastLane,
  ) {
    fastLane.add('POST', '/access-control/scanner/scans', ScannerController.prototype.scan, (req, reply) => this.onlineScan(req, reply));
  }

  @Post('enrol')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ description: 'the device credential (shown once): send it as `Authorization: Bearer acd_…`' })
  enrol(@Body() body: EnrolRequest) {
    return this.config.enrol(body.code);
  }

  @Get('me')
  @DeviceCredential()
  async me(@Headers('authorization') auth: string) {
    const d = await this.dir.authenticate(auth, true);
    return { deviceId: d.id, name: d.name, eventIds: d.eventIds, gateIds: d.gateIds };
  }

  @Post('scans')
  @DeviceCredential()
  @HttpCode(200)
  @ApiOkResponse({ type: ScanResponse })
  @ApiBody({ type: ScanRequest })
  // Served on the fast lane (see the constructor): Fastify calls onlineScan directly, Nest's pipeline is skipped.
  // The body is validated by the hand-written ScanBody (same rules and 400 as ScanRequest); `@Req` keeps the global
  // class-validator pipe out of it on the Nest path.
  scan(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): ScanResponse | Promise<ScanResponse> {
    return this.onlineScan(req, reply);
  }

  /** The online scan (both paths): device credential, body, verdict. */
  private onlineScan(req: FastifyRequest, reply: FastifyReply): ScanResponse | Promise<ScanResponse> {
    const body = scanBody.transform(req.body);
    const auth = req.headers.authorization;
    const now = new Date();
    const input = { ...body, deviceTime: body.deviceTime ? new Date(body.deviceTime) : now };
    leanHeaders(reply);
    // the device from the cache without a promise; the database only on a miss
    const device = this.dir.authenticateCached(auth);
    if (device) return this.scans.scanOnline(device, input, now);
    return this.dir.authenticate(auth).then((d) => this.scans.scanOnline(d, input, now));
  }

  @Get('events/:eventId/feed')
  @DeviceCredential()
  @ApiOkResponse({ description: '{ items, cursor }: admissions at every gate, revocations, box-office sales since the cursor (long-poll)' })
  async poll(@Headers('authorization') auth: string, @Param('eventId', uuid) eventId: string, @Query() q: FeedQuery, @Req() req: FastifyRequest) {
    const device = await this.dir.authenticate(auth);
    await this.dir.eventForDevice(device, eventId);
    const abort = new AbortController();
    req.raw.socket?.once('close', () => abort.abort());
    return this.feed.poll(eventId, this.feed.cursorOf(q.cursor), Number(q.wait ?? 0), abort.signal, device.id);
  }

  @Get('events/:eventId/feed/stream')
  @DeviceCredential()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Server-Sent Events: `id: <cursor>` + `data: [items]`; reconnect with Last-Event-ID' })
  async stream(
    @Headers('authorization') auth: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Param('eventId', uuid) eventId: string,
    @Query() q: FeedQuery,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const device = await this.dir.authenticate(auth);
    await this.dir.eventForDevice(device, eventId);
    let cursor = this.feed.cursorOf(lastEventId || q.cursor);
    const abort = new AbortController();
    reply.hijack();
    const raw = reply.raw;
    raw.once('close', () => abort.abort());
    leanHeaders(reply);
    raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    raw.flushHeaders();
    let lastWrite = Date.now();
    try {
      while (!abort.signal.aborted) {
        const page = await this.feed.read(eventId, cursor, device.id);
        cursor = this.feed.cursorOf(page.cursor);
        if (page.items.length) {
          // The event id is the cursor's xmin only: a reconnect may repeat a few items (harmless, they are sets),
          // and every message stays small however many transactions are in flight.
          raw.write(`id:${page.cursor.split('.')[0]}\ndata:${JSON.stringify(page.items)}\n\n`);
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite > this.feed.maxWaitS * 1000) {
          raw.write(':\n\n');
          lastWrite = Date.now();
        }
        await this.dir.authenticate(auth); // a revoked device's stream ends (401 on reconnect)
        await this.feed.waitForNews(eventId, abort.signal);
      }
    } catch {
      // device revoked or database gone: end the stream; the client reconnects with its Last-Event-ID
    } finally {
      raw.end();
    }
  }

  @Get('events/:eventId/package')
  @DeviceCredential()
  @ApiProduces('application/vnd.proticket.scan-package')
  @ApiOkResponse({ description: 'signed, compressed offline package (see docs/modules/access-control.md); `since` → delta' })
  async offlinePackage(
    @Headers('authorization') auth: string,
    @Param('eventId', uuid) eventId: string,
    @Query() q: PackageQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const device = await this.dir.authenticate(auth);
    const { bytes, content } = await this.packages.build(device, eventId, q.since);
    reply.header('content-type', 'application/vnd.proticket.scan-package');
    reply.header('x-package-version', content.version.length <= 200 ? content.version : content.version.split('.')[0]);
    reply.header('cache-control', 'no-store');
    return bytes;
  }

  @Post('events/:eventId/offline-scans')
  @DeviceCredential()
  @HttpCode(200)
  @ApiOkResponse({ description: 'per scan: recorded verdict, server verdict, replay flag and conflict (double-use, revoked-before-scan)' })
  async uploadOffline(@Headers('authorization') auth: string, @Param('eventId', uuid) eventId: string, @Body() body: OfflineUploadRequest) {
    const device = await this.dir.authenticate(auth, true);
    return this.scans.uploadOffline(
      device,
      eventId,
      body.scans.map((s) => ({
        ...s,
        gateId: s.gateId ?? (device.gateIds?.length === 1 ? device.gateIds[0] : ''),
        deviceTime: new Date(s.deviceTime),
      })),
    );
  }
}
