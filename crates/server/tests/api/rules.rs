//! Statutory refusals and regional policy through the API.
