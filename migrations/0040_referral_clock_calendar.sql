-- A routine referral's response clock counts working days; one counted through a year the working
-- calendar does not hold skipped weekends only, and says so, as a case's deadlines do (calendarMissing).
ALTER TABLE "referrals" ADD COLUMN "due_calendar_missing" boolean DEFAULT false NOT NULL;
