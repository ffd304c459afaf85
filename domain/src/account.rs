//! Username and password rules.

use std::fmt;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
/// Argon2 accepts far longer passwords, but nobody types more than this; the cap keeps
/// hashing cost bounded for requests that send megabytes.
pub const PASSWORD_MAX_BYTES: usize = 256;

/// Why a username or password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRuleError {
    UsernameTooShort,
    UsernameTooLong,
    UsernameInvalid,
    PasswordTooShort,
    PasswordTooLong,
}

impl AccountRuleError {
    /// Stable snake_case code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::UsernameTooShort => "username_too_short",
            Self::UsernameTooLong => "username_too_long",
            Self::UsernameInvalid => "username_invalid",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooLong => "password_too_long",
        }
    }
}

impl fmt::Display for AccountRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UsernameTooShort => {
                write!(f, "A username needs at least {USERNAME_MIN} characters.")
            }
            Self::UsernameTooLong => {
                write!(f, "A username can have at most {USERNAME_MAX} characters.")
            }
            Self::UsernameInvalid => write!(
                f,
                "A username may contain only letters a-z, digits, '.', '_' and '-', and must start with a letter or digit."
            ),
            Self::PasswordTooShort => {
                write!(f, "A password needs at least {PASSWORD_MIN} characters.")
            }
            Self::PasswordTooLong => {
                write!(
                    f,
                    "A password can be at most {PASSWORD_MAX_BYTES} bytes long."
                )
            }
        }
    }
}

impl std::error::Error for AccountRuleError {}

/// Returns the canonical (trimmed, lowercase) form of a username, or why it is not acceptable.
///
/// Usernames are case-insensitive so "Anna" and "anna" cannot be two people.
pub fn normalize_username(input: &str) -> Result<String, AccountRuleError> {
    let name = input.trim().to_lowercase();
    let len = name.chars().count();
    if len < USERNAME_MIN {
        return Err(AccountRuleError::UsernameTooShort);
    }
    if len > USERNAME_MAX {
        return Err(AccountRuleError::UsernameTooLong);
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(first_ok && rest_ok) {
        return Err(AccountRuleError::UsernameInvalid);
    }
    Ok(name)
}

/// Checks a new password. Existing passwords are only ever compared, never re-checked.
pub fn check_new_password(password: &str) -> Result<(), AccountRuleError> {
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(AccountRuleError::PasswordTooLong);
    }
    if password.chars().count() < PASSWORD_MIN {
        return Err(AccountRuleError::PasswordTooShort);
    }
    Ok(())
}

/// Where to go after logging in or registering: a path on this site from the `next` field
/// (e.g. an invite link), never another site (`//evil.example`, `https://…`, `/\\evil`).
pub fn local_redirect(next: Option<&str>) -> Option<String> {
    next.map(str::trim)
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .filter(|n| !n.chars().any(char::is_control))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(normalize_username("  Anna ").unwrap(), "anna");
        assert_eq!(
            normalize_username("movie.fan_42-x").unwrap(),
            "movie.fan_42-x"
        );
    }

    #[test]
    fn usernames_outside_the_rules_are_refused() {
        use AccountRuleError::*;
        assert_eq!(normalize_username("ab"), Err(UsernameTooShort));
        assert_eq!(normalize_username("   "), Err(UsernameTooShort));
        assert_eq!(normalize_username(&"a".repeat(33)), Err(UsernameTooLong));
        assert_eq!(normalize_username("-anna"), Err(UsernameInvalid));
        assert_eq!(normalize_username("an na"), Err(UsernameInvalid));
        assert_eq!(normalize_username("ann/a"), Err(UsernameInvalid));
        assert_eq!(normalize_username("åsa"), Err(UsernameInvalid));
        assert_eq!(normalize_username("a\u{0}bc"), Err(UsernameInvalid));
    }

    #[test]
    fn password_length_is_checked_in_characters_and_bytes() {
        use AccountRuleError::*;
        assert_eq!(check_new_password("short"), Err(PasswordTooShort));
        assert_eq!(check_new_password("ååååååå"), Err(PasswordTooShort));
        assert!(check_new_password("öööööööö").is_ok());
        assert!(check_new_password(&"x".repeat(PASSWORD_MAX_BYTES)).is_ok());
        assert_eq!(
            check_new_password(&"x".repeat(PASSWORD_MAX_BYTES + 1)),
            Err(PasswordTooLong)
        );
    }

    #[test]
    fn every_error_has_a_code_and_a_sentence() {
        use AccountRuleError::*;
        for e in [
            UsernameTooShort,
            UsernameTooLong,
            UsernameInvalid,
            PasswordTooShort,
            PasswordTooLong,
        ] {
            assert!(e.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(e.to_string().ends_with('.'));
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            local_redirect(Some("/join/abc")).as_deref(),
            Some("/join/abc")
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "join",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_redirect(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(local_redirect(None), None);
    }
}
