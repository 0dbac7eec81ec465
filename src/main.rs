//! `streamlens`: with no subcommand opens the window (optionally on FILE...);
//! subcommands run the same engine headless.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    streamlens_engine::contain::quiet_contained_panics();
    let cli = streamlens::cli::Cli::parse();
    if cli.command.is_none()
        && let Some(problem) = streamlens::cli::window_arguments_problem(&cli)
    {
        eprintln!("error: {problem}");
        return ExitCode::from(2);
    }
    match cli.command {
        None => match streamlens::app::run_native(cli.files, cli.strict) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Some(command) => match streamlens::cli::run(&command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}", streamlens::cli::error_message(&e));
                ExitCode::FAILURE
            }
        },
    }
}
