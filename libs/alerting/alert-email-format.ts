import { AlertNotification, JsonValue } from './alert-notification';
import { nextSteps } from './alert-next-steps';

const PRODUCT = 'TenantVault';
const SUBJECT_MESSAGE_MAX = 80;
const SHORT_ID_LENGTH = 8;

/** The first line of `message`, whitespace collapsed, cut to `max` characters (never inside a surrogate pair). */
export function shortMessage(message: string, max = SUBJECT_MESSAGE_MAX): string {
  const firstLine = message.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  // Control characters would let a message break out of a mail header; collapse them with the spaces.
  const flat = firstLine.replace(/[\s\p{Cc}]+/gu, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Enough of a uuid to recognise it in a subject line; the body names it in full. */
export function shortId(id: string): string {
  return id.length <= SHORT_ID_LENGTH ? id : `${id.slice(0, SHORT_ID_LENGTH)}…`;
}

/**
 * One line that says what happened, used as the e-mail subject and as the webhook's `text`:
 * `[TenantVault][CRITICAL] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1`, or
 * `[TenantVault][RESOLVED] …` for a resolution.
 */
export function formatAlertHeadline(n: AlertNotification): string {
  const tag = n.event === 'resolved' ? 'RESOLVED' : n.severity;
  const tenant = n.tenantId ? ` tenant ${shortId(n.tenantId)}` : '';
  const message = shortMessage(n.message);
  return `[${PRODUCT}][${tag}] ${n.type}${tenant}${message ? `: ${message}` : ''}`;
}

/** Label/value rows shared by the text and HTML bodies; absent values are left out. */
function facts(n: AlertNotification): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['Alert', n.alertId],
    ['Type', n.type],
    ['Severity', n.severity],
    ['Status', n.status],
    ['Tenant', n.tenantId],
    ['Backup', n.backupId],
    ['Restore', n.restoreId],
    ['First seen', n.firstSeenAt.toISOString()],
    ['Last seen', n.lastSeenAt.toISOString()],
    ['Occurrences', String(n.occurrences)],
    ['Resolved at', n.resolvedAt?.toISOString()],
    ['Resolution', n.resolutionNote],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
}

function detailValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function opening(n: AlertNotification): string {
  return n.event === 'resolved' ? `Resolved: ${n.type} (was ${n.severity}).` : `${n.severity} alert raised: ${n.type}.`;
}

function advice(n: AlertNotification): { heading: string; text: string } {
  return n.event === 'resolved'
    ? { heading: 'What to do next', text: `Nothing: the condition has cleared. If it comes back: ${nextSteps(n.type)}` }
    : { heading: 'What to do next', text: nextSteps(n.type) };
}

function footer(n: AlertNotification): string {
  return n.event === 'resolved'
    ? `Sent by ${PRODUCT}. Alert history: GET /api/super-admin/alerts.`
    : `Sent by ${PRODUCT}. Acknowledge with POST /api/super-admin/alerts/${n.alertId}/acknowledge; it resolves itself when the condition clears.`;
}

export function formatEmailText(n: AlertNotification): string {
  const rows = facts(n);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const details = Object.entries(n.details);
  const { heading, text } = advice(n);
  return [
    opening(n),
    '',
    n.message.trim(),
    '',
    ...rows.map(([label, value]) => `${label.padEnd(width)}${value}`),
    ...(details.length > 0 ? ['', 'Details', ...details.map(([key, value]) => `  ${key}: ${detailValue(value)}`)] : []),
    '',
    heading,
    `  ${text}`,
    '',
    '-- ',
    footer(n),
    '',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The same content as the text body, for mail clients that prefer HTML; no images, styles or links to load. */
export function formatEmailHtml(n: AlertNotification): string {
  const details = Object.entries(n.details);
  const { heading, text } = advice(n);
  const row = (label: string, value: string) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`;
  return [
    '<!doctype html>',
    `<html><body>`,
    `<h2>${escapeHtml(opening(n))}</h2>`,
    `<p>${escapeHtml(n.message.trim()).replace(/\r?\n/g, '<br>')}</p>`,
    `<table>${facts(n).map(([label, value]) => row(label, value)).join('')}</table>`,
    ...(details.length > 0 ? ['<h3>Details</h3>', `<table>${details.map(([key, value]) => row(key, detailValue(value))).join('')}</table>`] : []),
    `<h3>${escapeHtml(heading)}</h3>`,
    `<p>${escapeHtml(text)}</p>`,
    `<p><small>${escapeHtml(footer(n))}</small></p>`,
    '</body></html>',
  ].join('\n');
}
