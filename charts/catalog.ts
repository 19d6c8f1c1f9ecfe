// Which charts a period shows. A day page shows its own hours and end-of-day splits, and the
// 30 days up to it for context; longer periods show every chart over the period itself.
import type { OrgReport } from '../metrics/report.ts';
import type { Chart, ChartPeriod } from './types.ts';
import { addDays } from '../lib/calendar.ts';
import { windowOf } from './series.ts';
import { contactStatus, contactsDaily } from './contacts.ts';
import { activeHour, hourWeekdayHeatMap, messagesDaily } from './messages.ts';
import { conversationsDaily, monthlyConversations } from './conversations.ts';
import { optinsDaily, optStatus } from './optins.ts';
import { contactsInFlows, flowCompletion, flowsDaily } from './flows.ts';
import { serviceWindowsDaily, templateOutcomes, templatesDelivered } from './templates.ts';

/** Days of context before a day page's own date. */
export const DAY_CONTEXT_DAYS = 30;

export function chartsForPeriod(report: OrgReport, period: ChartPeriod): Chart[] {
  if (period.kind === 'day') {
    const day = windowOf(report, period.from, period.to);
    const context = windowOf(report, addDays(period.to, -(DAY_CONTEXT_DAYS - 1)), period.to);
    return [
      activeHour(day),
      optStatus(day),
      contactStatus(day),
      templatesDelivered(context),
      templateOutcomes(context),
      contactsDaily(context),
      messagesDaily(context),
      serviceWindowsDaily(context),
      conversationsDaily(context),
      optinsDaily(context),
      flowsDaily(context),
    ];
  }
  const w = windowOf(report, period.from, period.to);
  return [
    templatesDelivered(w),
    templateOutcomes(w),
    contactsDaily(w),
    messagesDaily(w),
    serviceWindowsDaily(w),
    conversationsDaily(w),
    optinsDaily(w),
    optStatus(w),
    contactStatus(w),
    flowsDaily(w),
    flowCompletion(w),
    contactsInFlows(w),
    activeHour(w),
    hourWeekdayHeatMap(w),
    monthlyConversations(report, period.to),
  ];
}
