//! The tree's rules, checked on the source: no module of the app or of the contract imports one
//! that imports it back (no import circles), and the app's layers point one way: plain state
//! reaches no browser part, hook or component, and the browser's parts reach no component.
//!
//! A module's imports are the `crate::` paths its code names, comments and tests left out (a
//! test may reach anywhere). `cargo test --test architecture` runs it natively in a moment.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every module under `root` (a crate's `src`), by path (`state::archive`), with the modules
/// its code names.
fn imports(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut sources = BTreeMap::new();
    read_tree(root, root, &mut sources);
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .into_iter()
        .map(|(module, source)| {
            let named = crate_paths(&source)
                .into_iter()
                .filter_map(|path| longest_module(&path, &modules))
                .filter(|named| *named != module && !module.starts_with(&format!("{named}::")))
                .collect();
            (module, named)
        })
        .collect()
}

/// Each `.rs` file under `dir` as its module path and its source without its tests.
fn read_tree(root: &Path, dir: &Path, sources: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, sources);
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap().with_extension("");
        let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            parts.pop();
        }
        let source = fs::read_to_string(&path).unwrap();
        // Comments name modules without importing them (a doc link is not a dependency).
        let code: Vec<&str> = source
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        sources.insert(parts.join("::"), code.join("\n"));
    }
}

/// Every `crate::a::b` path in `source`, grouped imports spread out (`crate::a::{b, c::D}`
/// gives `a::b` and `a::c::D`).
fn crate_paths(source: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let head = rest[..end].trim_end_matches(':');
        if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
            let group = &rest[end + 1..rest[end..].find('}').map_or(rest.len(), |close| end + close)];
            for item in group.split(',') {
                let item = item.trim().trim_start_matches('{');
                if !item.is_empty() && item != "self" {
                    paths.push(format!("{head}::{item}"));
                }
            }
        }
        paths.push(head.to_owned());
    }
    paths
}

/// The longest module `path` starts with.
fn longest_module(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().map(|length| parts[..length].join("::")).find(|prefix| modules.contains(prefix))
}

/// Every circle of imports, each as the modules on it.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_owned()]);
        while let Some(module) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let mut found: Vec<Vec<String>> = Vec::new();
    for module in graph.keys() {
        if reaches(module, module) && !found.iter().any(|circle| circle.contains(module)) {
            let circle = graph.keys().filter(|other| reaches(module, other) && reaches(other, module)).cloned();
            found.push(circle.collect());
        }
    }
    found
}

#[test]
fn no_module_of_the_app_imports_one_that_imports_it_back() {
    let graph = imports(Path::new("src"));
    assert!(graph.contains_key("state::studio") && graph["app"].contains("state::studio"), "the app was read");
    assert_eq!(circles(&graph), Vec::<Vec<String>>::new());
}

#[test]
fn no_module_of_the_contract_imports_one_that_imports_it_back() {
    let graph = imports(Path::new("contract/src"));
    assert!(graph.len() > 5, "the contract was read");
    assert_eq!(circles(&graph), Vec::<Vec<String>>::new());
}

#[test]
fn plain_state_reaches_no_browser_part_and_the_browser_no_component() {
    let graph = imports(Path::new("src"));
    let layer = |module: &str| module.split("::").next().unwrap().to_owned();
    let forbidden = [
        ("state", ["browser", "hooks", "components", "app"].as_slice()),
        ("browser", ["hooks", "components", "app"].as_slice()),
        ("hooks", ["components", "app"].as_slice()),
        ("components", ["app"].as_slice()),
    ];
    let mut crossings = Vec::new();
    for (module, named) in &graph {
        for (from, never) in forbidden {
            if layer(module) == from {
                crossings.extend(
                    named.iter().filter(|n| never.contains(&layer(n).as_str())).map(|n| format!("{module} -> {n}")),
                );
            }
        }
    }
    assert_eq!(crossings, Vec::<String>::new());
}

#[test]
fn a_circle_is_found_where_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
            .into_iter()
            .map(|(module, named)| (module.to_owned(), named.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(circles(&graph), [["a", "b", "c"]]);
    let modules: BTreeSet<String> = ["state", "state::archive"].into_iter().map(str::to_owned).collect();
    assert_eq!(longest_module("state::archive::Export", &modules).as_deref(), Some("state::archive"));
    assert_eq!(
        crate_paths("use crate::state::{gallery::ImageRecord, tiles};"),
        ["state::gallery::ImageRecord", "state::tiles", "state"]
    );
}
