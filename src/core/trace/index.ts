export { tracePacket } from './tracePacket';
export { formatTrace } from './formatTrace';
export type { TraceRequest, TraceResult, TraceHop, HopKind, PacketView, RuleMention } from './types';
export { traceReadingListeners } from './readingListeners';
