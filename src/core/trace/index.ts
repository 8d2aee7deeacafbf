export { tracePacket } from './tracePacket';
export { formatTrace } from './formatTrace';
export type { TraceRequest, TraceResult, TraceHop, HopKind, PacketView, RuleMention } from './types';
export { traceReadingListeners } from './readingListeners';
export { routeChecks, routeCheckCommand, judgeRouteChecks, formatKernelCheck } from './kernelCheck';
export type { KernelCheck, RouteCheck, RouteCheckResult } from './kernelCheck';
export { whatWouldChange, traceCliCommand, shellWord } from './whatWouldChange';
export type { Suggestion, SuggestionKind } from './whatWouldChange';
export { formatTraceMarkdown, packetRewrites } from './traceMarkdown';
