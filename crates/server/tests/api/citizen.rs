//! Citizen submission and tracking with the query code.
