import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from './problem';

/** The one global error filter: everything leaves as application/problem+json with a stable code. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendProblem(error, req, reply, this.log);
  }
}

export function sendProblem(error: unknown, req: FastifyRequest, reply: FastifyReply, log: Pick<Logger, 'error' | 'warn'>): void {
  const problem = toProblem(error, { url: req?.url, requestId: req?.id });
  if (problem.status >= 500) {
    const e = error as Error;
    log.error(`${req?.method} ${req?.url} → ${problem.status} ${problem.code} [${req?.id}]: ${e?.message}`, problem.status === 500 ? e?.stack : undefined);
  }
  if (reply.sent) return;
  if (problem.status === 429 || problem.status === 503) {
    const retry = (problem as { retryAfterSeconds?: number }).retryAfterSeconds ?? 5;
    reply.header('retry-after', String(retry));
  }
  reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}
