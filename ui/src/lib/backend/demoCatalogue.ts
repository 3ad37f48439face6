// Demo data for TestBackend: the scope catalogue as the shell serves it, built from
// crates/patdesk-core/scopes.json (the groups of Azure DevOps' "Custom defined" view) plus the
// app's own "common" marks and presets. Only the in-memory backend uses this; the real app asks Rust.
import type { ScopeCatalogue } from '$lib/ipc';

export const demoCatalogue: ScopeCatalogue = {
  "fullAccess": {
    "scope": "app_token",
    "label": "Full access",
    "description": "Every scope, in the organization the token is for. Handy, but risky if it leaks."
  },
  "groups": [
    {
      "id": "advancedSecurity",
      "title": "Advanced Security",
      "description": "Detection and alerting on security vulnerabilities in code",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.advsec",
          "title": "AdvancedSecurity (read)",
          "description": "Read alerts, result instances and analysis result instances."
        },
        {
          "label": "Read & write",
          "scope": "vso.advsec_write",
          "title": "AdvancedSecurity (read and write)",
          "description": "Read, plus upload SARIF analyses."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.advsec_manage",
          "title": "AdvancedSecurity (read, write, and manage)",
          "description": "Read and write, plus read SARIF upload information, delete analyses and update alerts."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "agentPools",
      "title": "Agent Pools",
      "description": "Manage agent pools and agents",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.agentpools",
          "title": "Agent Pools (read)",
          "description": "View tasks, pools, queues, agents, and currently running or recently completed jobs for agents."
        },
        {
          "label": "Read & manage",
          "scope": "vso.agentpools_manage",
          "title": "Agent Pools (read, manage)",
          "description": "Manage pools, queues and agents."
        }
      ],
      "common": true,
      "deprecated": false
    },
    {
      "id": "analytics",
      "title": "Analytics",
      "description": "Read data from the analytics service",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.analytics",
          "title": "Analytics (read)",
          "description": "Query analytics data."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "auditing",
      "title": "Auditing",
      "description": "Read audit log events, manage and delete streams",
      "levels": [
        {
          "label": "Read Audit Log",
          "scope": "vso.auditlog",
          "title": "Audit Read Log",
          "description": "Read the audit log and audit streams."
        },
        {
          "label": "Manage Audit Streams",
          "scope": "vso.auditstreams_manage",
          "title": "Audit Manage Streams",
          "description": "Create, update and manage audit streams."
        },
        {
          "label": "Delete Audit Streams",
          "scope": "vso.auditstreams_delete",
          "title": "Audit Delete Streams",
          "description": "Delete audit streams."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "build",
      "title": "Build",
      "description": "Artifacts, definitions, requests, queue a build, and update build properties",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.build",
          "title": "Build (read)",
          "description": "Read build artifacts, results, definitions and requests; receive build events through service hooks."
        },
        {
          "label": "Read & execute",
          "scope": "vso.build_execute",
          "title": "Build (read and execute)",
          "description": "Read, plus queue builds and update build properties."
        }
      ],
      "common": true,
      "deprecated": false
    },
    {
      "id": "code",
      "title": "Code",
      "description": "Source code, repositories, pull requests, and notifications",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.code",
          "title": "Code (read)",
          "description": "Read source code and version-control metadata (commits, changesets, branches); code search; version-control events through service hooks."
        },
        {
          "label": "Read & write",
          "scope": "vso.code_write",
          "title": "Code (read and write)",
          "description": "Read, plus update and delete code, and create and manage pull requests and code reviews."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.code_manage",
          "title": "Code (read, write, and manage)",
          "description": "Read and write, plus create and manage repositories."
        },
        {
          "label": "Full",
          "scope": "vso.code_full",
          "title": "Code (full)",
          "description": "Full access to source code, including the limited legacy client object model."
        },
        {
          "label": "Status",
          "scope": "vso.code_status",
          "title": "Code (status)",
          "description": "Read and write commit and pull-request status."
        }
      ],
      "common": true,
      "deprecated": false
    },
    {
      "id": "connectedServer",
      "title": "Connected server",
      "description": "Access endpoints",
      "levels": [
        {
          "label": "Connected server",
          "scope": "vso.connected_server",
          "title": "Connected Server",
          "description": "Access the endpoints that an on-premises connected server needs."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "deploymentGroups",
      "title": "Deployment Groups",
      "description": "Manage deployment groups and deployment pools",
      "levels": [
        {
          "label": "Read & manage",
          "scope": "vso.machinegroup_manage",
          "title": "Deployment group (read, manage)",
          "description": "Read and manage deployment groups and deployment pools."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "entitlements",
      "title": "Entitlements",
      "description": "Read only access",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.entitlements",
          "title": "Entitlements (Read)",
          "description": "Read-only access to the licensing entitlements endpoint."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "environment",
      "title": "Environment",
      "description": "Read and manage environment",
      "levels": [
        {
          "label": "Read & manage",
          "scope": "vso.environment_manage",
          "title": "Environment (read, manage)",
          "description": "Read and manage pipeline environments."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "extensionData",
      "title": "Extension Data",
      "description": "Read and write",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.extension.data",
          "title": "Extension data (read)",
          "description": "Read data (settings and documents) stored by installed extensions."
        },
        {
          "label": "Read & write",
          "scope": "vso.extension.data_write",
          "title": "Extension data (read and write)",
          "description": "Read and write data (settings and documents) stored by installed extensions."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "extensions",
      "title": "Extensions",
      "description": "Read, install, uninstall, and write data",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.extension",
          "title": "Extensions (read)",
          "description": "Read installed extensions."
        },
        {
          "label": "Read & manage",
          "scope": "vso.extension_manage",
          "title": "Extensions (read and manage)",
          "description": "Install, uninstall and administer installed extensions."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "githubConnections",
      "title": "GitHub Connections",
      "description": "Read and manage GitHub connections",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.githubconnections",
          "title": "GitHub Connections (read)",
          "description": "Read GitHub connections and data about connected GitHub repositories."
        },
        {
          "label": "Read & manage",
          "scope": "vso.githubconnections_manage",
          "title": "GitHub Connections (read and manage)",
          "description": "Read, create and manage GitHub connections."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "graph",
      "title": "Graph",
      "description": "Read, group, scope, and add",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.graph",
          "title": "Graph (read)",
          "description": "Read users, groups, scopes and group memberships."
        },
        {
          "label": "Read & manage",
          "scope": "vso.graph_manage",
          "title": "Graph (manage)",
          "description": "Read, plus add users and groups and manage group memberships."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "identity",
      "title": "Identity",
      "description": "Identities and groups",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.identity",
          "title": "Identity (read)",
          "description": "Read identities and groups."
        },
        {
          "label": "Read & manage",
          "scope": "vso.identity_manage",
          "title": "Identity (manage)",
          "description": "Read, write and manage identities and groups."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "loadTest",
      "title": "Load Test",
      "description": "Load test runs and results",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.loadtest",
          "title": "Load test (read)",
          "description": "Read load test runs, results and APM artifacts."
        },
        {
          "label": "Read & write",
          "scope": "vso.loadtest_write",
          "title": "Load test (read and write)",
          "description": "Create and update load test runs."
        }
      ],
      "common": false,
      "deprecated": true
    },
    {
      "id": "marketplace",
      "title": "Marketplace",
      "description": "Read, publish, update, and manage items and publishers",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.gallery",
          "title": "Marketplace",
          "description": "Read public and private Marketplace items and publishers."
        },
        {
          "label": "Acquire",
          "scope": "vso.gallery_acquire",
          "title": "Marketplace (acquire)",
          "description": "Read, plus acquire items."
        },
        {
          "label": "Publish",
          "scope": "vso.gallery_publish",
          "title": "Marketplace (publish)",
          "description": "Read, plus upload, update and share items."
        },
        {
          "label": "Manage",
          "scope": "vso.gallery_manage",
          "title": "Marketplace (manage)",
          "description": "Read, plus publish and manage items and publishers."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "memberEntitlementManagement",
      "title": "Member Entitlement Management",
      "description": "Read and manage users",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.memberentitlementmanagement",
          "title": "MemberEntitlement Management (read)",
          "description": "Read users, their licenses, and their project and extension access."
        },
        {
          "label": "Read & write",
          "scope": "vso.memberentitlementmanagement_write",
          "title": "MemberEntitlement Management (write)",
          "description": "Manage users, their licenses, and their project and extension access."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "notifications",
      "title": "Notifications",
      "description": "Read, write, manage, and publish",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.notification",
          "title": "Notifications (read)",
          "description": "Read subscriptions and event metadata, including filterable field values."
        },
        {
          "label": "Read & write",
          "scope": "vso.notification_write",
          "title": "Notifications (write)",
          "description": "Read and write subscriptions; read event metadata."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.notification_manage",
          "title": "Notifications (manage)",
          "description": "Read, write and manage subscriptions; read event metadata."
        },
        {
          "label": "Diagnostics",
          "scope": "vso.notification_diagnostics",
          "title": "Notifications (diagnostics)",
          "description": "Read notification diagnostic logs and enable diagnostics on subscriptions."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "packaging",
      "title": "Packaging",
      "description": "Create, read, update, and delete feeds and packages",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.packaging",
          "title": "Packaging (read)",
          "description": "Read feeds and packages."
        },
        {
          "label": "Read & write",
          "scope": "vso.packaging_write",
          "title": "Packaging (read and write)",
          "description": "Create and read feeds and packages."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.packaging_manage",
          "title": "Packaging (read, write, and manage)",
          "description": "Create, read, update and delete feeds and packages."
        }
      ],
      "common": true,
      "deprecated": false
    },
    {
      "id": "pipelineResources",
      "title": "Pipeline Resources",
      "description": "Manage a pipeline run's access to pipeline resources",
      "levels": [
        {
          "label": "Use",
          "scope": "vso.pipelineresources_use",
          "title": "Pipeline Resources (use)",
          "description": "Approve a pipeline's request to use a protected resource (agent pool, environment, queue, repository, secure file, service connection, variable group)."
        },
        {
          "label": "Use and manage",
          "scope": "vso.pipelineresources_manage",
          "title": "Pipeline Resources (use and manage)",
          "description": "Use, plus manage protected resources and their access requests."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "projectAndTeam",
      "title": "Project and Team",
      "description": "Create, read, update, and delete",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.project",
          "title": "Project and team (read)",
          "description": "Read projects and teams."
        },
        {
          "label": "Read & write",
          "scope": "vso.project_write",
          "title": "Project and team (read and write)",
          "description": "Read and update projects and teams."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.project_manage",
          "title": "Project and team (read, write and manage)",
          "description": "Create, read, update and delete projects and teams."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "pullRequestThreads",
      "title": "Pull Request Threads",
      "description": "Read and write pull request comment threads",
      "levels": [
        {
          "label": "Read & write",
          "scope": "vso.threads_full",
          "title": "PR threads",
          "description": "Read and write pull-request comment threads."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "release",
      "title": "Release",
      "description": "Read, update, and delete releases, release pipelines, and stages",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.release",
          "title": "Release (read)",
          "description": "Read releases, release pipelines and stages (environments)."
        },
        {
          "label": "Read, write, & execute",
          "scope": "vso.release_execute",
          "title": "Release (read, write and execute)",
          "description": "Read, plus update release artifacts and queue new releases."
        },
        {
          "label": "Read, write, execute, & manage",
          "scope": "vso.release_manage",
          "title": "Release (read, write, execute and manage)",
          "description": "Read, write and execute, plus delete release artifacts and approve releases."
        }
      ],
      "common": true,
      "deprecated": false
    },
    {
      "id": "secureFiles",
      "title": "Secure Files",
      "description": "Read, create, and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.securefiles_read",
          "title": "Secure Files (read)",
          "description": "Read secure files."
        },
        {
          "label": "Read & create",
          "scope": "vso.securefiles_write",
          "title": "Secure Files (read, create)",
          "description": "Read and create secure files."
        },
        {
          "label": "Read, create, & manage",
          "scope": "vso.securefiles_manage",
          "title": "Secure Files (read, create, and manage)",
          "description": "Read, create and manage secure files."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "security",
      "title": "Security",
      "description": "Read, write, and manage",
      "levels": [
        {
          "label": "Manage",
          "scope": "vso.security_manage",
          "title": "Security (manage)",
          "description": "Read, write and manage security permissions."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "serviceConnections",
      "title": "Service Connections",
      "description": "Read, query, and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.serviceendpoint",
          "title": "Service Endpoints (read)",
          "description": "Read service connections (service endpoints)."
        },
        {
          "label": "Read & query",
          "scope": "vso.serviceendpoint_query",
          "title": "Service Endpoints (read and query)",
          "description": "Read, plus query service connections."
        },
        {
          "label": "Read, query, & manage",
          "scope": "vso.serviceendpoint_manage",
          "title": "Service Endpoints (read, query and manage)",
          "description": "Read and query, plus create and manage service connections."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "symbols",
      "title": "Symbols",
      "description": "Read, write, and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.symbols",
          "title": "Symbols (read)",
          "description": "Read symbols."
        },
        {
          "label": "Read & write",
          "scope": "vso.symbols_write",
          "title": "Symbols (read and write)",
          "description": "Read and write symbols."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.symbols_manage",
          "title": "Symbols (read, write and manage)",
          "description": "Read, write and manage symbols."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "taskGroups",
      "title": "Task Groups",
      "description": "Read, create, and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.taskgroups_read",
          "title": "Task Groups (read)",
          "description": "Read task groups."
        },
        {
          "label": "Read & create",
          "scope": "vso.taskgroups_write",
          "title": "Task Groups (read, create)",
          "description": "Read and create task groups."
        },
        {
          "label": "Read, create, & manage",
          "scope": "vso.taskgroups_manage",
          "title": "Task Groups (read, create and manage)",
          "description": "Read, create and manage task groups."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "teamDashboard",
      "title": "Team Dashboard",
      "description": "Read and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.dashboards",
          "title": "Team dashboards (read)",
          "description": "Read team dashboards."
        },
        {
          "label": "Read & manage",
          "scope": "vso.dashboards_manage",
          "title": "Team dashboards (manage)",
          "description": "Manage team dashboards."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "testManagement",
      "title": "Test Management",
      "description": "Read, create, and update test plans, cases, and results",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.test",
          "title": "Test management (read)",
          "description": "Read test plans, cases, results and other test-management artifacts."
        },
        {
          "label": "Read & write",
          "scope": "vso.test_write",
          "title": "Test management (read and write)",
          "description": "Read, create and update test plans, cases, results and other test-management artifacts."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "tokenAdministration",
      "title": "Token Administration",
      "description": "Read and revoke",
      "levels": [
        {
          "label": "Read & manage",
          "scope": "vso.tokenadministration",
          "title": "Token Administration",
          "description": "Lets organization administrators view and revoke other users' existing tokens (Token Admin API)."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "tokens",
      "title": "Tokens",
      "description": "Read, update, and revoke",
      "levels": [
        {
          "label": "Read & manage",
          "scope": "vso.tokens",
          "title": "Delegated Authorization Tokens",
          "description": "Read, update and revoke the user's delegated authorization tokens."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "userProfile",
      "title": "User Profile",
      "description": "Write to profile",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.profile",
          "title": "User profile (read)",
          "description": "Read the user's profile, organizations, collections, projects, teams and other top-level artifacts."
        },
        {
          "label": "Read & write",
          "scope": "vso.profile_write",
          "title": "User profile (write)",
          "description": "Read and write the user's profile."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "variableGroups",
      "title": "Variable Groups",
      "description": "Read, create and manage",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.variablegroups_read",
          "title": "Variable Groups (read)",
          "description": "Read variable groups."
        },
        {
          "label": "Read & create",
          "scope": "vso.variablegroups_write",
          "title": "Variable Groups (read, create)",
          "description": "Read and create variable groups."
        },
        {
          "label": "Read, create, & manage",
          "scope": "vso.variablegroups_manage",
          "title": "Variable Groups (read, create and manage)",
          "description": "Read, create and manage variable groups."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "wiki",
      "title": "Wiki",
      "description": "Read, create, and update",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.wiki",
          "title": "Wiki (read)",
          "description": "Read wikis, pages and attachments; search wiki pages."
        },
        {
          "label": "Read & write",
          "scope": "vso.wiki_write",
          "title": "Wiki (read and write)",
          "description": "Create and update wikis, pages and attachments."
        }
      ],
      "common": false,
      "deprecated": false
    },
    {
      "id": "workItems",
      "title": "Work Items",
      "description": "Work items, queries, backlogs, plans, and metadata",
      "levels": [
        {
          "label": "Read",
          "scope": "vso.work",
          "title": "Work items (read)",
          "description": "Read work items, queries, boards, area and iteration paths and other work-tracking metadata; run queries; work-item events through service hooks."
        },
        {
          "label": "Read & write",
          "scope": "vso.work_write",
          "title": "Work items (read and write)",
          "description": "Read, plus create and update work items and queries, and update board metadata."
        },
        {
          "label": "Read, write, & manage",
          "scope": "vso.work_full",
          "title": "Work items (full)",
          "description": "Full work-item tracking access, including process template imports."
        }
      ],
      "common": true,
      "deprecated": false
    }
  ],
  "presets": [
    {
      "id": "build-agent",
      "label": "Build agent",
      "description": "Register and run a self-hosted build agent (Agent Pools: read & manage).",
      "scopes": [
        "vso.agentpools_manage"
      ]
    },
    {
      "id": "git",
      "label": "Git",
      "description": "Clone, pull and push code (Code: read & write).",
      "scopes": [
        "vso.code_write"
      ]
    },
    {
      "id": "packages",
      "label": "Packages",
      "description": "Restore packages from your feeds (Packaging: read).",
      "scopes": [
        "vso.packaging"
      ]
    }
  ]
};
