//! Rules for naming a library and choosing where its files live.
//!
//! The checks here are lexical: they work on absolute paths the caller has already resolved
//! (symlinks followed). Whether a folder can really be created and written is the server's job.

use std::fmt;
use std::path::{Component, Path, PathBuf};

pub const NAME_MAX: usize = 100;
pub const PATH_MAX_BYTES: usize = 4096;

/// Folders that neither hold nor may contain a library: the operating system lives there.
const SYSTEM_TREES: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib",
    "/var/log",
    "/var/run",
    "/var/cache",
    "/System",
    "/Library",
    "/Applications",
    "/private/etc",
    "/private/var",
];

/// Folders that are fine to put a library *inside*, but are not a library themselves.
const SYSTEM_ROOTS: &[&str] = &[
    "/", "/home", "/var", "/opt", "/mnt", "/media", "/srv", "/tmp", "/root", "/Users", "/Volumes",
    "/private",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibraryRuleError {
    NameEmpty,
    NameTooLong,
    NameInvalid,
    PathNotAbsolute,
    PathNotNormal,
    PathInvalid,
    PathTooLong,
    SystemDirectory(PathBuf),
    DataDirectory,
    SameAsLibrary(String),
    InsideLibrary(String),
    ContainsLibrary(String),
}

impl LibraryRuleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameEmpty => "library_name_empty",
            Self::NameTooLong => "library_name_too_long",
            Self::NameInvalid => "library_name_invalid",
            Self::PathNotAbsolute => "path_not_absolute",
            Self::PathNotNormal => "path_not_normal",
            Self::PathInvalid => "path_invalid",
            Self::PathTooLong => "path_too_long",
            Self::SystemDirectory(_) => "path_is_system_directory",
            Self::DataDirectory => "path_is_data_directory",
            Self::SameAsLibrary(_) => "path_is_library",
            Self::InsideLibrary(_) => "path_inside_library",
            Self::ContainsLibrary(_) => "path_contains_library",
        }
    }
}

impl fmt::Display for LibraryRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NameEmpty => write!(f, "Give the library a name."),
            Self::NameTooLong => {
                write!(f, "A library name can have at most {NAME_MAX} characters.")
            }
            Self::NameInvalid => write!(
                f,
                "A library name cannot contain control characters, line breaks or text-direction marks."
            ),
            Self::PathNotAbsolute => write!(
                f,
                "The folder must be a full path starting with '/', for example /home/me/Movies."
            ),
            Self::PathNotNormal => {
                write!(
                    f,
                    "The folder path cannot contain '..'; write the folder out in full."
                )
            }
            Self::PathTooLong => write!(f, "That folder path is too long."),
            Self::PathInvalid => write!(
                f,
                "A folder path cannot contain control characters, line breaks or text-direction marks."
            ),
            Self::SystemDirectory(p) => write!(
                f,
                "{} is a system folder; choose a folder of your own, such as one in your home folder.",
                p.display()
            ),
            Self::DataDirectory => write!(
                f,
                "That folder holds the server's own data; choose a folder under its 'libraries' folder or elsewhere."
            ),
            Self::SameAsLibrary(name) => {
                write!(f, "The library \"{name}\" already uses that folder.")
            }
            Self::InsideLibrary(name) => {
                write!(
                    f,
                    "That folder is inside the library \"{name}\"; libraries cannot be nested."
                )
            }
            Self::ContainsLibrary(name) => write!(
                f,
                "That folder contains the library \"{name}\"; libraries cannot be nested."
            ),
        }
    }
}

impl std::error::Error for LibraryRuleError {}

/// Returns the trimmed library name, or why it is not acceptable.
pub fn normalize_name(input: &str) -> Result<String, LibraryRuleError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(LibraryRuleError::NameEmpty);
    }
    if name.chars().count() > NAME_MAX {
        return Err(LibraryRuleError::NameTooLong);
    }
    if name.chars().any(is_unsafe_char) {
        return Err(LibraryRuleError::NameInvalid);
    }
    Ok(name.to_string())
}

/// Characters no sane name or path holds, which would let text change meaning where it is
/// written: control characters (a newline starts a new line in a systemd unit), Unicode line
/// and paragraph separators, text-direction overrides and the byte-order mark (which make a
/// name display as something else).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// A folder name made from a library name: ASCII letters and digits joined by '-'.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "library".to_string()
    } else {
        out.chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
}

/// Removes `.` components and refuses relative paths and `..`.
pub fn normalize_path(path: &Path) -> Result<PathBuf, LibraryRuleError> {
    if path.as_os_str().len() > PATH_MAX_BYTES {
        return Err(LibraryRuleError::PathTooLong);
    }
    match path.to_str() {
        Some(text) if !text.chars().any(is_unsafe_char) => {}
        _ => return Err(LibraryRuleError::PathInvalid),
    }
    if !path.is_absolute() {
        return Err(LibraryRuleError::PathNotAbsolute);
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::Prefix(_) => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::Normal(part) => out.push(part),
            Component::ParentDir => return Err(LibraryRuleError::PathNotNormal),
        }
    }
    Ok(out)
}

/// An existing library, as far as path rules care.
pub struct ExistingLibrary<'a> {
    pub name: &'a str,
    pub path: &'a Path,
}

/// Checks that `path` (absolute, normalized, symlinks resolved) may become a library, given
/// the server's data directory and the libraries that already exist.
pub fn check_path(
    path: &Path,
    data_dir: &Path,
    existing: &[ExistingLibrary<'_>],
) -> Result<(), LibraryRuleError> {
    for tree in SYSTEM_TREES {
        if path.starts_with(tree) {
            return Err(LibraryRuleError::SystemDirectory(PathBuf::from(tree)));
        }
    }
    if SYSTEM_ROOTS.iter().any(|root| path == Path::new(root)) {
        return Err(LibraryRuleError::SystemDirectory(path.to_path_buf()));
    }
    // Inside the data dir only its `libraries/` folder is for movies; the rest is the
    // database, upload staging and caches.
    if (path.starts_with(data_dir) && !path.starts_with(data_dir.join("libraries")))
        || data_dir.starts_with(path)
    {
        return Err(LibraryRuleError::DataDirectory);
    }
    for lib in existing {
        if path == lib.path {
            return Err(LibraryRuleError::SameAsLibrary(lib.name.to_string()));
        }
        if path.starts_with(lib.path) {
            return Err(LibraryRuleError::InsideLibrary(lib.name.to_string()));
        }
        if lib.path.starts_with(path) {
            return Err(LibraryRuleError::ContainsLibrary(lib.name.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, existing: &[(&str, &str)]) -> Result<(), LibraryRuleError> {
        let libs: Vec<_> = existing
            .iter()
            .map(|(name, p)| ExistingLibrary {
                name,
                path: Path::new(p),
            })
            .collect();
        check_path(Path::new(path), Path::new("/srv/ott/data"), &libs)
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  Family movies ").unwrap(), "Family movies");
        assert_eq!(
            normalize_name("Filmer på svenska").unwrap(),
            "Filmer på svenska"
        );
        assert_eq!(normalize_name("   "), Err(LibraryRuleError::NameEmpty));
        assert_eq!(
            normalize_name(&"x".repeat(101)),
            Err(LibraryRuleError::NameTooLong)
        );
        assert_eq!(normalize_name("a\nb"), Err(LibraryRuleError::NameInvalid));
    }

    #[test]
    fn slugs_are_safe_folder_names() {
        assert_eq!(slug("Family movies"), "family-movies");
        assert_eq!(slug("  Kids' / Films!! "), "kids-films");
        assert_eq!(slug("Öl & Film"), "l-film");
        assert_eq!(slug("日本の映画"), "library");
        assert_eq!(slug("../../etc"), "etc");
        assert!(slug(&"ab ".repeat(100)).len() <= 60);
    }

    #[test]
    fn paths_must_be_absolute_and_without_parent_steps() {
        assert_eq!(
            normalize_path(Path::new("movies")),
            Err(LibraryRuleError::PathNotAbsolute)
        );
        assert_eq!(
            normalize_path(Path::new("/home/me/../root")),
            Err(LibraryRuleError::PathNotNormal)
        );
        assert_eq!(
            normalize_path(Path::new("/home/./me//Movies/")).unwrap(),
            PathBuf::from("/home/me/Movies")
        );
        let long = format!("/{}", "a".repeat(PATH_MAX_BYTES));
        assert_eq!(
            normalize_path(Path::new(&long)),
            Err(LibraryRuleError::PathTooLong)
        );
    }

    #[test]
    fn names_and_paths_cannot_carry_line_breaks_or_controls() {
        // The text that turned a library path into a root command in a systemd unit.
        let injected = "/tmp/x\nExecStartPre=+/bin/sh -c 'id'\n#";
        assert_eq!(
            normalize_path(Path::new(injected)),
            Err(LibraryRuleError::PathInvalid)
        );
        for bad in [
            "/tmp/a\rb",
            "/tmp/a\tb",
            "/tmp/a\u{0}b",
            "/tmp/a\u{85}b",
            "/tmp/a\u{2028}b",
            "/tmp/\u{202E}gpj.exe",
        ] {
            assert_eq!(
                normalize_path(Path::new(bad)),
                Err(LibraryRuleError::PathInvalid),
                "{bad:?}"
            );
            assert_eq!(
                normalize_name(&bad[5..]),
                Err(LibraryRuleError::NameInvalid),
                "{bad:?}"
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let not_utf8 = std::ffi::OsStr::from_bytes(b"/tmp/\xff");
            assert_eq!(
                normalize_path(Path::new(not_utf8)),
                Err(LibraryRuleError::PathInvalid)
            );
        }
        // Spaces, quotes, '%' and non-Latin letters are ordinary in folder names.
        assert!(normalize_path(Path::new("/mnt/films & more/100% 'Kino' 映画")).is_ok());
        assert!(normalize_name("Kino 100% \"gut\"").is_ok());
    }

    #[test]
    fn system_folders_are_refused() {
        for p in [
            "/",
            "/etc",
            "/etc/movies",
            "/usr/local/movies",
            "/proc/1",
            "/home",
            "/var",
        ] {
            assert!(
                matches!(check(p, &[]), Err(LibraryRuleError::SystemDirectory(_))),
                "{p} should be refused"
            );
        }
        for p in [
            "/home/me/Movies",
            "/mnt/disk1/films",
            "/var/media",
            "/tmp/x",
        ] {
            assert_eq!(check(p, &[]), Ok(()), "{p} should be allowed");
        }
    }

    #[test]
    fn the_data_dir_is_off_limits_except_its_libraries_folder() {
        assert_eq!(
            check("/srv/ott/data", &[]),
            Err(LibraryRuleError::DataDirectory)
        );
        assert_eq!(
            check("/srv/ott/data/uploads", &[]),
            Err(LibraryRuleError::DataDirectory)
        );
        assert_eq!(check("/srv/ott", &[]), Err(LibraryRuleError::DataDirectory));
        assert_eq!(check("/srv/ott/data/libraries/movies", &[]), Ok(()));
    }

    #[test]
    fn libraries_cannot_overlap() {
        let existing = [("Movies", "/mnt/disk/movies")];
        assert_eq!(
            check("/mnt/disk/movies", &existing),
            Err(LibraryRuleError::SameAsLibrary("Movies".into()))
        );
        assert_eq!(
            check("/mnt/disk/movies/kids", &existing),
            Err(LibraryRuleError::InsideLibrary("Movies".into()))
        );
        assert_eq!(
            check("/mnt/disk", &existing),
            Err(LibraryRuleError::ContainsLibrary("Movies".into()))
        );
        // A sibling whose name merely starts the same is not nested.
        assert_eq!(check("/mnt/disk/movies2", &existing), Ok(()));
    }
}
