/**
 * The shapes of the records Human API's data API answers for the endpoints local mode's sandbox
 * serves (docs/local-mode.md#data-api-sandbox), as Human API's reference describes them: what the
 * service client types its answers with. Types only: the gateway passes Human API's JSON through
 * untouched and checks no shape, and Human API may add fields (`sourceData`, `tzOffset`, …).
 */

/** The fields most of Human API's records carry. */
export interface HumanRecord {
  readonly id: string;
  /** Human API's id of the user. */
  readonly humanId: string;
  /** When Human API stored the record, and last changed it (ISO 8601). */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `GET /v1/human/profile`. */
export interface HumanProfile extends HumanRecord {
  /** Deprecated by Human API in favour of `humanId`. */
  readonly userId?: string;
  readonly email?: string;
}

/** One of `GET /v1/human/sources`: a source the user connected. */
export interface HumanSource {
  readonly id: string;
  /** The source's name, all lower case (`fitbit`). */
  readonly source: string;
  readonly devices?: readonly unknown[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One of `GET /v1/human/activities/summaries`: a day of one source. */
export interface ActivitySummary extends HumanRecord {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly source: string;
  /** Active seconds. */
  readonly duration: number;
  /** Metres. */
  readonly distance: number;
  readonly steps: number;
  /** kcal. */
  readonly calories: number;
  /** Seconds spent sedentary, lightly, moderately and vigorously active. */
  readonly sedentary: number;
  readonly light: number;
  readonly moderate: number;
  readonly vigorous: number;
  readonly sourceData?: Readonly<Record<string, unknown>>;
}

/** One of `GET /v1/human/sleeps/summaries`: a night of one source, dated the day it ended. */
export interface SleepSummary extends HumanRecord {
  readonly date: string;
  readonly source: string;
  /** Minutes. */
  readonly timeAsleep: number;
  /** Minutes. */
  readonly timeAwake: number;
  readonly efficiency: number;
  /** Minutes. */
  readonly timeToFallAsleep: number;
  readonly numberOfTimesWoken: number;
  readonly sourceData?: Readonly<Record<string, unknown>>;
}

/** One of `GET /v1/human/heart_rate/readings`. */
export interface HeartRateReading extends HumanRecord {
  /** When it was measured (ISO 8601). */
  readonly timestamp: string;
  readonly tzOffset?: string;
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly sourceData?: Readonly<Record<string, unknown>>;
}

/** What each typed endpoint answers; any other endpoint answers `unknown`. */
export interface HumanDataAnswers {
  readonly profile: HumanProfile;
  readonly sources: readonly HumanSource[];
  readonly 'activities/summaries': readonly ActivitySummary[];
  readonly 'sleeps/summaries': readonly SleepSummary[];
  readonly 'heart_rate/readings': readonly HeartRateReading[];
}
