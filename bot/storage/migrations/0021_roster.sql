-- The organisers' roster (`group members`, `group stats`) reads each member's latest activity; the mock
-- feedback a member gave is found by who gave it, as solves, answers and milestones already are.
CREATE INDEX mock_feedback_from ON mock_feedback (from_member, created_at);
