/**
 * Faults of the simulated EC2 API (`startSimEc2({ faults })` or `sim.setFaults(…)`): throttling as EC2
 * answers it when an account exceeds its request rate.
 */
import type { SimEc2Fault, SimEc2Request } from '../ec2Server';

/** EC2's answer to a throttled call: HTTP 503, `RequestLimitExceeded`. */
export const EC2_REQUEST_LIMIT_EXCEEDED: SimEc2Fault = { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' };

export interface Ec2ThrottlingOptions {
  /** Only these actions (`DescribeNetworkInterfaces`, …); default every action. */
  actions?: string[];
  /** Throttle this many matching calls, then let calls through; default every call. */
  times?: number;
}

/** A `faults` hook that throttles calls; `throttled` counts the calls it answered. */
export function ec2Throttling(opts: Ec2ThrottlingOptions = {}): ((req: Omit<SimEc2Request, 'status'>) => SimEc2Fault | undefined) & { throttled: number } {
  const hook = Object.assign(
    (req: Omit<SimEc2Request, 'status'>): SimEc2Fault | undefined => {
      if (opts.actions && !opts.actions.includes(req.action)) return undefined;
      if (opts.times !== undefined && hook.throttled >= opts.times) return undefined;
      hook.throttled++;
      return EC2_REQUEST_LIMIT_EXCEEDED;
    },
    { throttled: 0 },
  );
  return hook;
}
