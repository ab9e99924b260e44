//! Personal data, access scope and the accuser's protection.
