// XAuth (draft-ietf-ipsec-isakmp-xauth-06) declared once: the attribute types, and for each
// value a gateway can ask the user for, its name on the engine's and UI's side, the key its
// answer travels under, and whether it is a secret. The engine's CFG_REPLY, the UI's prompt
// schema and answer keys, and the prompts' labels derive from XAUTH_FIELDS.

/** draft-ietf-ipsec-isakmp-xauth-06 6.1 (XAuth attributes). */
export const XauthAttr = {
  Type: 16520,
  UserName: 16521,
  UserPassword: 16522,
  Passcode: 16523,
  Message: 16524,
  Challenge: 16525,
  Domain: 16526,
  Status: 16527,
  NextPin: 16528,
  Answer: 16529,
} as const;

/** draft-ietf-ipsec-isakmp-xauth-06 6.1: XAUTH_TYPE values. */
export const XauthType = {
  Generic: 0,
  Chap: 1,
  Otp: 2,
  SKey: 3,
} as const;

/** draft-ietf-ipsec-isakmp-xauth-06 6.1: XAUTH_STATUS values. */
export const XauthStatus = {
  Fail: 0,
  Ok: 1,
} as const;

/** XAUTH_TYPE values by the names events and prompts use; any other value is 'unknown'. */
export const XAUTH_TYPE_NAMES = {
  generic: XauthType.Generic,
  chap: XauthType.Chap,
  otp: XauthType.Otp,
  's-key': XauthType.SKey,
} as const;
export type XauthTypeName = keyof typeof XAUTH_TYPE_NAMES | 'unknown';
export const xauthTypeNames = [
  ...(Object.keys(XAUTH_TYPE_NAMES) as (keyof typeof XAUTH_TYPE_NAMES)[]),
  'unknown',
] as const;

/** The values a gateway asks the user for (6.1), in the order a prompt shows them. `secret`
 * values are never logged or echoed; `label` is what a prompt calls the field. */
export const XAUTH_FIELDS = [
  {
    field: 'username',
    type: XauthAttr.UserName,
    answer: 'username',
    secret: false,
    label: 'Username',
  },
  {
    field: 'password',
    type: XauthAttr.UserPassword,
    answer: 'password',
    secret: true,
    label: 'Password',
  },
  // a one-time code (OTP, a token's code; also the "next token code" a SecurID server asks for)
  {
    field: 'passcode',
    type: XauthAttr.Passcode,
    answer: 'passcode',
    secret: true,
    label: 'Passcode',
  },
  // the answer to a challenge shown in XAUTH_MESSAGE
  { field: 'answer', type: XauthAttr.Answer, answer: 'answer', secret: true, label: 'Answer' },
  // the new PIN the user chooses (a token in new-PIN mode): typed twice, sent once
  {
    field: 'next-pin',
    type: XauthAttr.NextPin,
    answer: 'nextPin',
    secret: true,
    label: 'New PIN',
  },
  { field: 'domain', type: XauthAttr.Domain, answer: 'domain', secret: false, label: 'Domain' },
] as const;

type FieldRow = (typeof XAUTH_FIELDS)[number];
export type XauthField = FieldRow['field'];
/** The key an answer's value travels under (PromptAnswer.values, XauthResponse). */
export type XauthAnswerKey = FieldRow['answer'];
export const xauthFieldNames = XAUTH_FIELDS.map((row) => row.field) as [
  XauthField,
  ...XauthField[],
];

export function xauthFieldRow(field: XauthField): FieldRow {
  return XAUTH_FIELDS.find((row) => row.field === field) as FieldRow;
}
