//! Builds the web app (frontend/) so `cargo run` needs nothing but Rust and
//! Node, and guarantees frontend/dist exists for the embed even without Node.
use std::{path::Path, process::Command};

fn main() {
    for path in [
        "frontend/src",
        "frontend/public",
        "frontend/index.html",
        "frontend/package.json",
        "frontend/package-lock.json",
        "frontend/vite.config.ts",
        "frontend/tsconfig.json",
        "frontend/tsconfig.app.json",
        "frontend/tsconfig.node.json",
    ] {
        // A path that does not exist makes cargo rerun this script (and rebuild
        // the crate) on every invocation, so only list files that are there.
        debug_assert!(
            Path::new(path).exists(),
            "build.rs watches a missing path: {path}"
        );
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=IAP_SKIP_FRONTEND_BUILD");
    let dist = Path::new("frontend/dist");
    let skip = std::env::var_os("IAP_SKIP_FRONTEND_BUILD").is_some();
    if !skip && Path::new("frontend/package.json").exists() {
        match npm_available() {
            true => build_frontend(),
            false if dist.join("index.html").exists() => {
                println!("cargo:warning=npm not found; embedding the existing frontend/dist");
            }
            false => {
                println!("cargo:warning=npm not found; the web app is not built (install Node 20+)")
            }
        }
    }
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("creating frontend/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>iap-studio</title><p>The web app was not built: install Node 20+ and rebuild.</p>",
        )
        .expect("writing a placeholder index.html");
    }
}

fn npm_available() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run(args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir("frontend")
        .status()
        .unwrap_or_else(|e| panic!("running npm {args:?}: {e}"));
    assert!(status.success(), "npm {args:?} failed in frontend/");
}

fn build_frontend() {
    let modules = Path::new("frontend/node_modules");
    let lock = Path::new("frontend/package-lock.json");
    let stale = match (
        modules.join(".package-lock.json").metadata(),
        lock.metadata(),
    ) {
        (Ok(installed), Ok(lock)) => match (installed.modified(), lock.modified()) {
            (Ok(i), Ok(l)) => i < l,
            _ => true,
        },
        _ => true,
    };
    if stale {
        run(&["ci", "--no-audit", "--no-fund"]);
    }
    run(&["run", "build"]);
}
