/** The gaps of one subject, matched by identity (`Gap.about`), never by text. */
import type { Gap, TopologyWithoutRules } from '../../core/model/types';
import { subjectWithin, type Subject } from '../subject';
import { row, section, unknownValue, type FactSection } from './sheet';

/**
 * The gaps about `subject` or a part of it (a container's publishes, a network's endpoints). Gaps
 * without a subject (models recorded before netlens kept one) belong to the host.
 */
export function gapsOf(t: TopologyWithoutRules, subject: Subject): Gap[] {
  return t.gaps.filter((g) => (g.about ? subjectWithin(g.about, subject) : subject.kind === 'host'));
}

/** A "Not known" section, or none when nothing is missing. */
export function gapSection(t: TopologyWithoutRules, subject: Subject): FactSection[] {
  const gaps = gapsOf(t, subject);
  return gaps.length ? [section('Not known', gaps.flatMap((g) => row(g.subject, unknownValue(g.reason))))] : [];
}
