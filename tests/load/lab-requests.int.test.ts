import { describeLabRun } from './lab-kit';

/** The lab's experiments on requests: instances behind the gateway, the gateway's hop, a purchase's hops (about 70 s on two cores). */
describeLabRun(['workers', 'gateway-hop', 'purchase-hops'], 300_000);
