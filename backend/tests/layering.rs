//! Rules of the code's shape that a reviewer would otherwise have to remember (see
//! docs/architecture.md): the backend's modules import each other without cycles, roles are
//! compared in one place, and caches are told about writes in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A file's text without its `#[cfg(test)]` module (tests may reach anywhere), comment lines
/// blanked (so line numbers stay true).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Top-level module of the backend → the top-level modules it names as `crate::…`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = workspace().join("backend/src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str();
        let top = top.to_str().unwrap().trim_end_matches(".rs").to_owned();
        if top == "lib" {
            continue;
        }
        let code = code_of(&file);
        let deps = graph.entry(top.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                deps.insert(name);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// One cycle of `graph`, if it has any (depth-first search).
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn backend_modules_import_each_other_without_cycles() {
    let graph = module_graph();
    assert!(graph.len() > 20, "too few modules found: {graph:?}");
    assert!(
        graph["libraries"].contains("access"),
        "the graph misses imports"
    );
    if let Some(cycle) = a_cycle(&graph) {
        panic!(
            "backend modules import each other in a cycle: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(a_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}

/// Roles are compared by `domain::role::Need::met_by` only: the access door enforces it and
/// pages use it to show what the caller may do.
#[test]
fn roles_are_compared_in_one_place() {
    let patterns = [
        ".can_upload()",
        ".can_manage()",
        ".can_share()",
        "== Role::",
        "!= Role::",
        "Some(Role::",
        "== domain::Role::",
    ];
    let mut found = Vec::new();
    for krate in ["backend/src", "server/src", "app/src", "frontend/src"] {
        for file in rust_files(&workspace().join(krate)) {
            let code = code_of(&file);
            for (n, line) in code.lines().enumerate() {
                // An `<option selected=…>` compares a role to show a default, not a permission.
                if patterns.iter().any(|p| line.contains(p)) && !line.contains("selected=") {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "compare roles with Need::met_by (domain/src/role.rs):\n{}",
        found.join("\n")
    );
}

/// Caches are told about a write by the write handle's commit (backend/src/write/), never
/// beside it by hand.
#[test]
fn caches_are_bumped_only_by_the_write_handle() {
    let mut found = Vec::new();
    for krate in ["backend/src", "server/src", "app/src"] {
        for file in rust_files(&workspace().join(krate)) {
            if file.starts_with(workspace().join("backend/src/write")) {
                continue;
            }
            for (n, line) in code_of(&file).lines().enumerate() {
                if line.contains("access.changed()")
                    || line.contains("catalogs.changed()")
                    || line.contains("watched_changed()")
                    || line.contains("access::changed()")
                {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "write through backend::write::Write and touch the cache instead:\n{}",
        found.join("\n")
    );
}

/// The backend chooses HTTP statuses in its edge only: services return typed errors
/// (`UploadError`, `Denied`, `Missing`, ...) and `http_errors.rs` maps each once.
#[test]
fn http_statuses_are_chosen_only_at_the_edge() {
    let edge = ["backend/src/error.rs", "backend/src/http_errors.rs"];
    let mut found = Vec::new();
    for file in rust_files(&workspace().join("backend/src")) {
        if edge.iter().any(|e| file.ends_with(e)) {
            continue;
        }
        for (n, line) in code_of(&file).lines().enumerate() {
            if line.contains("StatusCode") {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "return a typed error and map it in backend/src/http_errors.rs:\n{}",
        found.join("\n")
    );
}
