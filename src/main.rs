//! The `iap-studio` command: serve (default), migrate, admin create, demo.
use std::io::Read;

use anyhow::Context;
use clap::{Parser, Subcommand};
use iap_studio::{Application, Config, app::shutdown_signal, database, demo, telemetry};

#[derive(Parser)]
#[command(
    name = "iap-studio",
    version,
    about = "Co-write URBACT Integrated Action Plans"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API (the default).
    Serve {
        /// Seed the Creative Clusters demo network when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Administer accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Seed the Creative Clusters demo network and print its accounts.
    Demo,
    /// Print the OpenAPI document (for generating the web app's types).
    Openapi,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an installation admin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.config.log, cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo: seed } => {
            let app = Application::build(cli.config).await?;
            if seed {
                demo::seed_if_empty(&app.state()).await?;
            }
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let db = database::connect(cli.config.database_url.expose()).await?;
            database::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    name,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password")?;
            let db = database::connect(cli.config.database_url.expose()).await?;
            database::migrate(&db).await?;
            let user =
                demo::create_admin(&db, &email, &name, password.trim_end_matches(['\n', '\r']))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("admin {} created ({})", user.email, user.id);
            Ok(())
        }
        Command::Openapi => {
            println!("{}", iap_studio::http::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Demo => {
            let app = Application::build(Config {
                bind: "127.0.0.1:0".parse()?,
                ..cli.config
            })
            .await?;
            demo::seed(&app.state()).await?;
            Ok(())
        }
    }
}
