//! The 12345 hotline flow through the API.
