// Glific's PostgreSQL schema (HEAD, /work/shared/glific/SCHEMA.md §0-§2) for tests and the demo:
// the tables the reports read, with Glific's real names, types, enums, NOT NULLs, DB defaults,
// foreign keys (ON DELETE as in production) and indexes. Only the DB defaults are here; the app
// defaults Glific's Ecto layer writes (`messages.errors = '{}'`, `contacts.contact_type = 'WABA'`,
// ...) are the loaders' job (demo/glific/fixture.ts, demo/glific/generate.ts), as they are Glific's app's job.
//
// Laid out like a pg_dump: types, then tables without foreign keys, then indexes, then foreign
// keys, so that the circular references (organizations <-> flows, messages <-> message_broadcasts)
// need no ordering tricks.
//
// Triggers: `update_organization_id_trigger` is live (organizations.organization_id = id after
// every insert, as in Glific). The messages triggers (§2.3), the contacts_groups
// `update_contact_updated_at_trigger` and `remove_old_history_trigger` on contact_histories are
// created with their Glific functions but DISABLED: they stamp rows with the DB clock (not the
// message's own `inserted_at`) and would make historical loads unfaithful and slow. Loaders set
// message_number, contacts.last_message_at / last_communication_at / last_message_number and
// organizations.last_communication_at themselves.
//
// Call createGlificSchema once, on an empty database.
import type { Knex } from 'knex';

const ENUMS = `
CREATE TYPE global.oban_job_state AS ENUM ('available', 'scheduled', 'executing', 'retryable', 'completed', 'discarded', 'cancelled');
CREATE TYPE public.api_status_enum AS ENUM ('ok', 'error');
CREATE TYPE public.contact_field_scope_enum AS ENUM ('contact', 'globals', 'wa_group');
CREATE TYPE public.contact_field_value_type_enum AS ENUM ('text', 'integer', 'number', 'boolean', 'date');
CREATE TYPE public.contact_provider_status_enum AS ENUM ('none', 'session', 'session_and_hsm', 'hsm');
CREATE TYPE public.contact_status_enum AS ENUM ('blocked', 'failed', 'invalid', 'processing', 'valid');
CREATE TYPE public.flow_action_type_enum AS ENUM ('enter_flow', 'send_msg', 'set_contact_language', 'wait_for_response', 'set_contact_field');
CREATE TYPE public.flow_case_enum AS ENUM ('has_any_word');
CREATE TYPE public.flow_router_enum AS ENUM ('switch');
CREATE TYPE public.flow_type_enum AS ENUM ('message');
CREATE TYPE public.import_contacts_type_enum AS ENUM ('file_path', 'url', 'data');
CREATE TYPE public.interactive_message_type_enum AS ENUM ('list', 'quick_reply', 'location_request_message');
CREATE TYPE public.message_flow_enum AS ENUM ('inbound', 'outbound');
CREATE TYPE public.message_status_enum AS ENUM ('sent', 'delivered', 'enqueued', 'error', 'read', 'received', 'contact_opt_out', 'reached', 'seen', 'played', 'deleted');
CREATE TYPE public.message_type_enum AS ENUM ('audio', 'contact', 'document', 'hsm', 'image', 'location', 'list', 'quick_reply', 'text', 'video', 'sticker', 'location_request_message', 'poll', 'whatsapp_form_response');
CREATE TYPE public.organization_status_enum AS ENUM ('inactive', 'approved', 'active', 'suspended', 'ready_to_delete', 'forced_suspension');
CREATE TYPE public.question_type_enum AS ENUM ('text', 'numeric', 'date');
CREATE TYPE public.sort_order_enum AS ENUM ('asc', 'desc');
CREATE TYPE public.template_button_type_enum AS ENUM ('call_to_action', 'quick_reply', 'otp', 'whatsapp_form');
CREATE TYPE public.user_roles_enum AS ENUM ('none', 'staff', 'manager', 'admin', 'glific_admin');
CREATE TYPE public.sheet_sync_status_enum AS ENUM ('success', 'failed');
CREATE TYPE public.whatsapp_forms_status_enum AS ENUM ('draft', 'published', 'inactive');
CREATE TYPE public.whatsapp_forms_category_enum AS ENUM ('sign_up', 'sign_in', 'appointment_booking', 'lead_generation', 'contact_us', 'customer_support', 'survey', 'other');
CREATE TYPE public.certificate_template_type_enum AS ENUM ('slides');
CREATE TYPE public.assistant_config_version_status_enum AS ENUM ('in_progress', 'ready', 'failed');
CREATE TYPE public.knowledge_base_status_enum AS ENUM ('in_progress', 'completed', 'failed');
CREATE TYPE public.ai_evaluation_status_enum AS ENUM ('create_in_progress', 'processing', 'failed', 'completed');
`;

const FUNCTIONS = `
CREATE FUNCTION public.update_organization_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE organizations set organization_id = id;
  RETURN NULL;
END;
$$;

CREATE FUNCTION public.message_before_insert_callback() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE now TIMESTAMP WITH TIME ZONE;
DECLARE var_message_number BIGINT;
DECLARE var_profile_id BIGINT;
DECLARE var_context_id BIGINT;
BEGIN
  IF (TG_OP = 'INSERT') THEN
    now := (CURRENT_TIMESTAMP at time zone 'utc');
    IF (NEW.sender_id = NEW.receiver_id AND NEW.group_id > 0) THEN
      SELECT last_message_number INTO var_message_number FROM groups WHERE id = NEW.group_id LIMIT 1;
      IF (var_message_number IS NULL) THEN var_message_number = 0; END IF;
      var_message_number = var_message_number + 1;
      UPDATE groups SET last_communication_at = now, last_message_number = var_message_number WHERE id = NEW.group_id;
      NEW.message_number = var_message_number;
    ELSE
      SELECT last_message_number, active_profile_id INTO var_message_number, var_profile_id
        FROM contacts WHERE organization_id = NEW.organization_id AND id = NEW.contact_id LIMIT 1;
      NEW.profile_id = var_profile_id;
      var_message_number = var_message_number + 1;
      IF (NEW.flow = 'inbound') THEN
        IF (NEW.context_id IS NOT NULL) THEN
          SELECT id INTO var_context_id FROM messages WHERE bsp_message_id = NEW.context_id;
          NEW.context_message_id = var_context_id;
        END IF;
        UPDATE contacts SET last_communication_at = now, last_message_at = now, last_message_number = var_message_number,
          is_org_read = false, is_org_replied = false, is_contact_replied = true, updated_at = now
          WHERE id = NEW.contact_id;
      ELSE
        UPDATE contacts SET last_communication_at = now, last_message_number = var_message_number,
          is_org_replied = true, is_contact_replied = false, updated_at = now
          WHERE id = NEW.contact_id;
      END IF;
      NEW.message_number = var_message_number;
    END IF;
    RETURN NEW;
  END IF;
  RETURN NEW;
END;
$$;

CREATE FUNCTION public.message_after_insert_callback() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE session_lim BIGINT;
DECLARE current_diff BIGINT;
DECLARE current_session_uuid UUID;
DECLARE session_uuid_value UUID;
DECLARE var_message_at TIMESTAMP WITH TIME ZONE;
BEGIN
  UPDATE organizations SET last_communication_at = (CURRENT_TIMESTAMP at time zone 'utc') WHERE id = NEW.organization_id;
  IF (NEW.flow = 'inbound') THEN
    SELECT session_limit * 60 INTO session_lim FROM organizations WHERE id = NEW.organization_id LIMIT 1;
    -- Glific's bug (§6.4): var_message_at is never assigned, so current_diff is always NULL.
    SELECT EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) - EXTRACT(EPOCH FROM var_message_at) INTO current_diff;
    SELECT session_uuid INTO current_session_uuid FROM messages
      WHERE contact_id = NEW.contact_id AND organization_id = NEW.organization_id AND flow = 'inbound' AND id != NEW.id
      ORDER BY id DESC LIMIT 1;
    IF (current_diff < session_lim AND current_session_uuid IS NOT NULL) THEN
      session_uuid_value = current_session_uuid;
    ELSE
      session_uuid_value = (SELECT uuid_generate_v4());
    END IF;
    UPDATE messages set session_uuid = session_uuid_value where id = NEW.id;
  END IF;
  RETURN NEW;
END;
$$;

CREATE FUNCTION public.update_contact_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' OR TG_OP = 'UPDATE') THEN
    UPDATE contacts set updated_at = (CURRENT_TIMESTAMP at time zone 'utc') where id = NEW.contact_id;
  ELSIF (TG_OP = 'DELETE') THEN
    UPDATE contacts set updated_at = (CURRENT_TIMESTAMP at time zone 'utc') where id = old.contact_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE FUNCTION public.remove_old_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH ranked AS (SELECT id, row_number() over (partition by contact_id order by updated_at desc) as rn
    FROM contact_histories WHERE id <> NEW.id AND contact_id = NEW.contact_id)
  DELETE FROM contact_histories WHERE id IN (SELECT id FROM ranked WHERE rn >= 25);
  RETURN NEW;
END;
$$;
`;

const TABLES = `
CREATE TABLE global.languages (
  id bigserial PRIMARY KEY,
  label character varying(255) NOT NULL,
  label_locale character varying(255) NOT NULL,
  description character varying(255),
  locale character varying(255) NOT NULL,
  is_active boolean DEFAULT false,
  localized boolean DEFAULT false,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE global.providers (
  id bigserial PRIMARY KEY,
  name character varying(255) NOT NULL,
  shortcode character varying(255) NOT NULL,
  "group" character varying(255),
  is_required boolean DEFAULT false,
  keys jsonb DEFAULT '{}'::jsonb,
  secrets jsonb DEFAULT '{}'::jsonb,
  description character varying(255),
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE public.organizations (
  id bigserial PRIMARY KEY,
  name character varying(255) NOT NULL,
  shortcode character varying(255) NOT NULL,
  email character varying(255),
  bsp_id bigint NOT NULL,
  default_language_id bigint NOT NULL,
  active_language_ids integer[] DEFAULT ARRAY[]::integer[],
  contact_id integer,
  out_of_office jsonb,
  is_active boolean DEFAULT true,
  timezone character varying(255),
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  session_limit integer DEFAULT 60,
  organization_id bigint,
  signature_phrase bytea,
  last_communication_at timestamp(0) without time zone,
  is_approved boolean DEFAULT false,
  fields jsonb DEFAULT '{}'::jsonb,
  status public.organization_status_enum DEFAULT 'inactive'::public.organization_status_enum,
  newcontact_flow_id bigint,
  is_suspended boolean DEFAULT false,
  suspended_until timestamp(0) without time zone,
  regx_flow jsonb,
  optin_flow_id bigint,
  team_emails jsonb,
  parent_org character varying,
  setting jsonb DEFAULT '{}'::jsonb,
  is_trial_org boolean DEFAULT false,
  trial_expiration_date timestamp(0) without time zone,
  deleted_at timestamp(0) without time zone
);
COMMENT ON COLUMN public.organizations.is_trial_org IS 'whether this is a trial org';
COMMENT ON COLUMN public.organizations.trial_expiration_date IS 'When the trial period for this org ends';

CREATE TABLE public.contacts (
  id bigserial PRIMARY KEY,
  name character varying(255),
  phone character varying(255) NOT NULL,
  bsp_status public.contact_provider_status_enum DEFAULT 'none'::public.contact_provider_status_enum NOT NULL,
  status public.contact_status_enum DEFAULT 'valid'::public.contact_status_enum NOT NULL,
  language_id bigint NOT NULL,
  optin_time timestamp(0) without time zone,
  optout_time timestamp(0) without time zone,
  last_message_at timestamp(0) without time zone,
  settings jsonb DEFAULT '{}'::jsonb,
  fields jsonb DEFAULT '{}'::jsonb,
  organization_id bigint NOT NULL,
  inserted_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  last_communication_at timestamp(0) without time zone,
  optin_method character varying(255),
  optin_status boolean DEFAULT false,
  optin_message_id character varying(255),
  is_org_read boolean DEFAULT true,
  is_org_replied boolean DEFAULT true,
  is_contact_replied boolean DEFAULT true,
  last_message_number integer DEFAULT 0,
  optout_method character varying(255),
  active_profile_id bigint,
  first_message_number integer DEFAULT 1,
  contact_type character varying(255)
);

CREATE TABLE public.profiles (
  id bigserial PRIMARY KEY,
  name character varying(255),
  type character varying(255),
  fields jsonb DEFAULT '{}'::jsonb,
  contact_id bigint NOT NULL,
  language_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  is_active boolean DEFAULT true,
  is_default boolean DEFAULT false,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE public.tags (
  id bigserial PRIMARY KEY,
  label character varying(255) NOT NULL,
  shortcode character varying(255),
  description character varying(255),
  is_active boolean DEFAULT true,
  is_reserved boolean DEFAULT false,
  language_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE public.users (
  id bigserial PRIMARY KEY,
  phone character varying(255) NOT NULL,
  password_hash character varying(255),
  name character varying(255),
  roles public.user_roles_enum[] DEFAULT ARRAY['none'::public.user_roles_enum],
  contact_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  is_restricted boolean DEFAULT false,
  last_login_at timestamp(0) without time zone,
  last_login_from character varying(255),
  language_id bigint,
  upload_contacts boolean DEFAULT false,
  confirmed_at timestamp(0) without time zone,
  email character varying(255),
  consent_for_updates boolean DEFAULT false NOT NULL
);

CREATE TABLE public.flows (
  id bigserial PRIMARY KEY,
  name character varying(255) NOT NULL,
  uuid uuid NOT NULL,
  version_number character varying(255) DEFAULT '13.1.0'::character varying,
  flow_type public.flow_type_enum DEFAULT 'message'::public.flow_type_enum NOT NULL,
  ignore_keywords boolean DEFAULT false,
  keywords character varying(255)[] DEFAULT ARRAY[]::character varying[],
  organization_id bigint NOT NULL,
  inserted_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  respond_other boolean DEFAULT false,
  respond_no_response boolean DEFAULT false,
  is_active boolean DEFAULT true,
  is_background boolean DEFAULT false,
  is_pinned boolean DEFAULT false,
  tag_id bigint,
  description text,
  is_template boolean DEFAULT false,
  skip_validation boolean DEFAULT false
);

CREATE TABLE public.groups (
  id bigserial PRIMARY KEY,
  label character varying(255) NOT NULL,
  description text,
  is_restricted boolean DEFAULT false,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  last_communication_at timestamp(0) without time zone,
  last_message_number integer DEFAULT 0,
  group_type character varying(255)
);

CREATE TABLE public.contacts_groups (
  id bigserial PRIMARY KEY,
  contact_id bigint NOT NULL,
  group_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone DEFAULT '2021-01-01 00:00:00'::timestamp without time zone NOT NULL,
  updated_at timestamp(0) without time zone DEFAULT '2021-01-01 00:00:00'::timestamp without time zone NOT NULL
);

CREATE TABLE public.messages_media (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  source_url text NOT NULL,
  thumbnail text,
  caption text,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  gcs_url text,
  content_type character varying(255),
  flow public.message_flow_enum,
  is_template_media boolean,
  gcs_error text
);

CREATE TABLE public.session_templates (
  id bigserial PRIMARY KEY,
  uuid uuid NOT NULL,
  label character varying(255) NOT NULL,
  body text,
  type public.message_type_enum,
  is_reserved boolean DEFAULT false,
  is_active boolean DEFAULT true,
  is_source boolean DEFAULT false,
  shortcode character varying(255),
  is_hsm boolean DEFAULT false,
  number_parameters integer,
  language_id bigint NOT NULL,
  parent_id bigint,
  message_media_id bigint,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  translations jsonb DEFAULT '{}'::jsonb,
  status character varying(255),
  category character varying(255),
  example text,
  has_buttons boolean DEFAULT false,
  button_type public.template_button_type_enum,
  buttons jsonb DEFAULT '[]'::jsonb,
  bsp_id character varying(255),
  reason character varying(255),
  tag_id bigint,
  quality character varying(255),
  allow_template_category_change boolean DEFAULT true,
  footer character varying(255)
);
COMMENT ON COLUMN public.session_templates.is_hsm IS 'Field to check hsm message type';
COMMENT ON COLUMN public.session_templates.status IS 'Whatsapp status of the HSM template';
COMMENT ON COLUMN public.session_templates.category IS 'Whatsapp HSM category';

CREATE TABLE public.interactive_templates (
  id bigserial PRIMARY KEY,
  label character varying(255) NOT NULL,
  type public.interactive_message_type_enum,
  interactive_content jsonb DEFAULT '{}'::jsonb,
  translations jsonb DEFAULT '{}'::jsonb,
  send_with_title boolean DEFAULT true,
  language_id bigint NOT NULL,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE public.whatsapp_forms_responses (
  id bigserial PRIMARY KEY,
  raw_response jsonb DEFAULT '{}'::jsonb,
  submitted_at timestamp(0) without time zone,
  contact_id bigint,
  organization_id bigint NOT NULL,
  inserted_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL
);

CREATE TABLE public.wa_groups (
  id bigserial PRIMARY KEY,
  label character varying(255),
  bsp_id character varying(255),
  last_communication_at timestamp(0) without time zone,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE SEQUENCE public.flow_broadcasts_id_seq;
CREATE TABLE public.message_broadcasts (
  id bigint DEFAULT nextval('public.flow_broadcasts_id_seq'::regclass) NOT NULL,
  flow_id bigint,
  group_id bigint NOT NULL,
  message_id bigint,
  user_id bigint,
  organization_id bigint NOT NULL,
  started_at timestamp(0) without time zone,
  completed_at timestamp(0) without time zone,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  type character varying(255),
  message_params jsonb,
  default_results jsonb,
  group_ids integer[] DEFAULT ARRAY[]::integer[],
  CONSTRAINT flow_broadcasts_pkey PRIMARY KEY (id)
);
ALTER SEQUENCE public.flow_broadcasts_id_seq OWNED BY public.message_broadcasts.id;

CREATE SEQUENCE public.flow_broadcast_contacts_id_seq;
CREATE TABLE public.message_broadcast_contacts (
  id bigint DEFAULT nextval('public.flow_broadcast_contacts_id_seq'::regclass) NOT NULL,
  message_broadcast_id bigint NOT NULL,
  contact_id bigint NOT NULL,
  status character varying(255),
  organization_id bigint NOT NULL,
  processed_at timestamp(0) without time zone,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  group_ids integer[] DEFAULT '{}'::integer[],
  CONSTRAINT flow_broadcast_contacts_pkey PRIMARY KEY (id)
);
ALTER SEQUENCE public.flow_broadcast_contacts_id_seq OWNED BY public.message_broadcast_contacts.id;

CREATE TABLE public.messages (
  id bigserial PRIMARY KEY,
  uuid uuid,
  body text,
  type public.message_type_enum,
  is_hsm boolean DEFAULT false,
  flow public.message_flow_enum,
  status public.message_status_enum DEFAULT 'enqueued'::public.message_status_enum NOT NULL,
  bsp_message_id text,
  bsp_status public.message_status_enum,
  errors jsonb,
  message_number bigint,
  sender_id bigint NOT NULL,
  receiver_id bigint NOT NULL,
  contact_id bigint NOT NULL,
  user_id bigint,
  media_id bigint,
  send_at timestamp(0) without time zone,
  sent_at timestamp(0) without time zone,
  organization_id bigint NOT NULL,
  inserted_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  session_uuid uuid,
  flow_label character varying(255),
  flow_id bigint,
  group_id bigint,
  context_id text,
  context_message_id bigint,
  interactive_content jsonb DEFAULT '{}'::jsonb,
  group_message_id bigint,
  template_id bigint,
  interactive_template_id bigint,
  message_broadcast_id bigint,
  profile_id bigint,
  whatsapp_form_response_id bigint
);

CREATE TABLE public.messages_conversations (
  id bigserial PRIMARY KEY,
  conversation_id text,
  deduction_type character varying(255),
  is_billable boolean DEFAULT false,
  message_id bigint,
  organization_id bigint NOT NULL,
  payload jsonb DEFAULT '{}'::jsonb,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);

CREATE TABLE public.flow_contexts (
  id bigserial PRIMARY KEY,
  node_uuid uuid,
  flow_uuid uuid NOT NULL,
  contact_id bigint,
  flow_id bigint NOT NULL,
  results jsonb DEFAULT '{}'::jsonb,
  parent_id bigint,
  wakeup_at timestamp(0) without time zone DEFAULT NULL::timestamp without time zone,
  completed_at timestamp(0) without time zone DEFAULT NULL::timestamp without time zone,
  recent_inbound jsonb DEFAULT '[]'::jsonb,
  recent_outbound jsonb DEFAULT '[]'::jsonb,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  status character varying(255) DEFAULT 'published'::character varying,
  organization_id bigint NOT NULL,
  is_background_flow boolean DEFAULT false,
  group_message_id bigint,
  message_broadcast_id bigint,
  is_await_result boolean DEFAULT false,
  is_killed boolean DEFAULT false,
  profile_id bigint,
  reason character varying(255),
  wa_group_id bigint
);
COMMENT ON COLUMN public.flow_contexts.status IS 'Status of the flow; either ''test'' or ''published''';

CREATE TABLE public.flow_results (
  id bigserial PRIMARY KEY,
  results jsonb DEFAULT '{}'::jsonb,
  contact_id bigint NOT NULL,
  flow_id bigint NOT NULL,
  flow_uuid uuid NOT NULL,
  flow_version integer DEFAULT 1 NOT NULL,
  organization_id bigint NOT NULL,
  inserted_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  flow_context_id bigint,
  profile_id bigint
);

CREATE TABLE public.stats (
  id bigserial PRIMARY KEY,
  contacts integer,
  active integer,
  optin integer,
  optout integer,
  messages integer,
  inbound integer,
  outbound integer,
  hsm integer,
  flows_started integer,
  flows_completed integer,
  users integer,
  period character varying(255),
  date date,
  hour integer,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  conversations integer DEFAULT 0
);
COMMENT ON COLUMN public.stats.contacts IS 'Total number of contacts in the system. This is the absolute number';
COMMENT ON COLUMN public.stats.date IS 'All stats are measured with respect to UTC time, to keep things timezone agnostic';

CREATE TABLE public.contact_histories (
  id bigserial PRIMARY KEY,
  contact_id bigint NOT NULL,
  event_type character varying(255),
  event_label text,
  event_meta jsonb DEFAULT '{}'::jsonb,
  event_datetime timestamp(0) without time zone,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  profile_id bigint
);

CREATE TABLE public.notifications (
  id bigserial PRIMARY KEY,
  entity jsonb DEFAULT '{}'::jsonb,
  category character varying(255),
  message text,
  severity text DEFAULT 'Error'::text,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL,
  is_read boolean DEFAULT false
);

CREATE TABLE public.mail_logs (
  id bigserial PRIMARY KEY,
  category character varying(255) NOT NULL,
  status character varying(255) DEFAULT 'pending'::character varying NOT NULL,
  error text,
  content jsonb,
  organization_id bigint NOT NULL,
  inserted_at timestamp(0) without time zone NOT NULL,
  updated_at timestamp(0) without time zone NOT NULL
);
`;

/**
 * Secondary indexes of `messages` (§2.3), separate so that a bulk loader can build them after
 * loading. No composite (organization_id, inserted_at) index: Glific has none.
 */
export const MESSAGES_INDEXES: ReadonlyArray<{ name: string; sql: string }> = [
  ['messages_bsp_message_id_organization_id_index', 'CREATE UNIQUE INDEX messages_bsp_message_id_organization_id_index ON public.messages USING btree (bsp_message_id, organization_id)'],
  ['messages_contact_id_index', 'CREATE INDEX messages_contact_id_index ON public.messages USING btree (contact_id)'],
  ['messages_sender_id_index', 'CREATE INDEX messages_sender_id_index ON public.messages USING btree (sender_id)'],
  ['messages_receiver_id_index', 'CREATE INDEX messages_receiver_id_index ON public.messages USING btree (receiver_id)'],
  ['messages_organization_id_index', 'CREATE INDEX messages_organization_id_index ON public.messages USING btree (organization_id)'],
  ['messages_inserted_at_index', 'CREATE INDEX messages_inserted_at_index ON public.messages USING btree (inserted_at)'],
  ['messages_updated_at_index', 'CREATE INDEX messages_updated_at_index ON public.messages USING btree (updated_at)'],
  ['messages_message_number_index', 'CREATE INDEX messages_message_number_index ON public.messages USING btree (message_number)'],
  ['messages_flow_id_index', 'CREATE INDEX messages_flow_id_index ON public.messages USING btree (flow_id)'],
  ['messages_whatsapp_form_response_id_index', 'CREATE INDEX messages_whatsapp_form_response_id_index ON public.messages USING btree (whatsapp_form_response_id)'],
  ['messages_user_id_index', 'CREATE INDEX messages_user_id_index ON public.messages USING btree (user_id) WHERE (user_id IS NOT NULL)'],
  ['messages_media_id_index', 'CREATE INDEX messages_media_id_index ON public.messages USING btree (media_id) WHERE (media_id IS NOT NULL)'],
  ['messages_group_id_index', 'CREATE INDEX messages_group_id_index ON public.messages USING btree (group_id) WHERE (group_id IS NOT NULL)'],
  ['messages_group_message_id_index', 'CREATE INDEX messages_group_message_id_index ON public.messages USING btree (group_message_id) WHERE (group_message_id IS NOT NULL)'],
  ['messages_context_message_id_index', 'CREATE INDEX messages_context_message_id_index ON public.messages USING btree (context_message_id) WHERE (context_message_id IS NOT NULL)'],
  ['messages_template_id_index', 'CREATE INDEX messages_template_id_index ON public.messages USING btree (template_id) WHERE (template_id IS NOT NULL)'],
  ['messages_interactive_template_id_index', 'CREATE INDEX messages_interactive_template_id_index ON public.messages USING btree (interactive_template_id) WHERE (interactive_template_id IS NOT NULL)'],
  ['messages_flow_broadcast_id_index', 'CREATE INDEX messages_flow_broadcast_id_index ON public.messages USING btree (message_broadcast_id) WHERE (message_broadcast_id IS NOT NULL)'],
  ['messages_profile_id_index', 'CREATE INDEX messages_profile_id_index ON public.messages USING btree (profile_id) WHERE (profile_id IS NOT NULL)'],
  ['messages_body_idx_gin', 'CREATE INDEX messages_body_idx_gin ON public.messages USING gin (body public.gin_trgm_ops)'],
  ['flow_label_idx_gin', 'CREATE INDEX flow_label_idx_gin ON public.messages USING gin (flow_label public.gin_trgm_ops)'],
].map(([name, sql]) => ({ name, sql }));

const INDEXES = `
CREATE UNIQUE INDEX languages_label_locale_index ON global.languages USING btree (label, locale);
CREATE UNIQUE INDEX providers_name_index ON global.providers USING btree (name);
CREATE UNIQUE INDEX providers_shortcode_index ON global.providers USING btree (shortcode);

CREATE UNIQUE INDEX organizations_shortcode_index ON public.organizations USING btree (shortcode);
CREATE UNIQUE INDEX organizations_contact_id_index ON public.organizations USING btree (contact_id);
CREATE INDEX organizations_deleted_index ON public.organizations USING btree (deleted_at) WHERE (deleted_at IS NULL);

CREATE UNIQUE INDEX contacts_phone_organization_id_index ON public.contacts USING btree (phone, organization_id);
CREATE INDEX contacts_name_organization_id_index ON public.contacts USING btree (name, organization_id);
CREATE INDEX contacts_organization_id_index ON public.contacts USING btree (organization_id);
CREATE INDEX contacts_status_index ON public.contacts USING btree (status);
CREATE INDEX contacts_bsp_status_index ON public.contacts USING btree (bsp_status);
CREATE INDEX contacts_optin_status_organization_id_index ON public.contacts USING btree (optin_status, organization_id);
CREATE INDEX contacts_last_communication_at_index ON public.contacts USING btree (last_communication_at);
CREATE INDEX contacts_last_message_at_index ON public.contacts USING btree (last_message_at) WHERE (last_message_at IS NOT NULL);
CREATE INDEX contacts_updated_at_index ON public.contacts USING btree (updated_at);
CREATE INDEX contacts_active_profile_id_index ON public.contacts USING btree (active_profile_id) WHERE (active_profile_id IS NOT NULL);

CREATE INDEX profiles_contact_id_index ON public.profiles USING btree (contact_id);
CREATE INDEX profiles_organization_id_index ON public.profiles USING btree (organization_id);
CREATE UNIQUE INDEX tags_label_language_id_organization_id_index ON public.tags USING btree (label, language_id, organization_id);

CREATE UNIQUE INDEX users_phone_organization_id_index ON public.users USING btree (phone, organization_id);
CREATE INDEX users_contact_id_index ON public.users USING btree (contact_id);
CREATE INDEX users_organization_id_index ON public.users USING btree (organization_id);

CREATE UNIQUE INDEX flows_name_organization_id_index ON public.flows USING btree (name, organization_id);
CREATE UNIQUE INDEX flows_uuid_organization_id_index ON public.flows USING btree (uuid, organization_id);
CREATE INDEX flows_is_pinned_organization_id_index ON public.flows USING btree (is_pinned, organization_id);
CREATE INDEX flows_organization_id_index ON public.flows USING btree (organization_id);

CREATE UNIQUE INDEX groups_label_organization_id_index ON public.groups USING btree (label, organization_id);
CREATE INDEX groups_organization_id_index ON public.groups USING btree (organization_id);
CREATE UNIQUE INDEX contacts_groups_contact_id_group_id_index ON public.contacts_groups USING btree (contact_id, group_id);
CREATE INDEX contacts_groups_group_id_organization_id_index ON public.contacts_groups USING btree (group_id, organization_id);

CREATE INDEX messages_media_organization_id_index ON public.messages_media USING btree (organization_id);
CREATE INDEX messages_media_updated_at_index ON public.messages_media USING btree (updated_at);
CREATE INDEX messages_media_inserted_at_index ON public.messages_media USING btree (inserted_at);
CREATE INDEX messages_media_organization_id_url_index ON public.messages_media USING btree (organization_id, url);

CREATE UNIQUE INDEX session_templates_label_language_id_organization_id_index ON public.session_templates USING btree (label, language_id, organization_id);
CREATE INDEX session_templates_organization_id_index ON public.session_templates USING btree (organization_id);
CREATE UNIQUE INDEX session_templates_shortcode_language_id_organization_id_index ON public.session_templates USING btree (shortcode, language_id, organization_id);
CREATE UNIQUE INDEX session_templates_uuid_index ON public.session_templates USING btree (uuid);
CREATE INDEX session_templates_message_media_id_index ON public.session_templates USING btree (message_media_id) WHERE (message_media_id IS NOT NULL);
CREATE UNIQUE INDEX interactive_templates_label_organization_id_index ON public.interactive_templates USING btree (label, organization_id);
CREATE INDEX whatsapp_forms_responses_organization_id_index ON public.whatsapp_forms_responses USING btree (organization_id);
CREATE INDEX wa_groups_organization_id_index ON public.wa_groups USING btree (organization_id);

CREATE INDEX flow_broadcasts_completed_at_index ON public.message_broadcasts USING btree (completed_at);
CREATE INDEX flow_broadcasts_flow_id_index ON public.message_broadcasts USING btree (flow_id);
CREATE INDEX flow_broadcasts_group_id_index ON public.message_broadcasts USING btree (group_id);
CREATE INDEX flow_broadcasts_organization_id_index ON public.message_broadcasts USING btree (organization_id);
CREATE INDEX flow_broadcasts_updated_at_index ON public.message_broadcasts USING btree (updated_at);
CREATE UNIQUE INDEX flow_broadcast_contacts_contact_id_flow_broadcast_id_index ON public.message_broadcast_contacts USING btree (contact_id, message_broadcast_id);
CREATE INDEX flow_broadcast_contacts_contact_id_index ON public.message_broadcast_contacts USING btree (contact_id);
CREATE INDEX flow_broadcast_contacts_organization_id_index ON public.message_broadcast_contacts USING btree (organization_id);
CREATE INDEX flow_broadcast_contacts_updated_at_index ON public.message_broadcast_contacts USING btree (updated_at);

CREATE INDEX messages_conversations_organization_id_index ON public.messages_conversations USING btree (organization_id);

CREATE INDEX flow_contexts_contact_id_index ON public.flow_contexts USING btree (contact_id);
CREATE INDEX flow_contexts_flow_id_contact_id_index ON public.flow_contexts USING btree (flow_id, contact_id);
CREATE INDEX flow_contexts_flow_uuid_index ON public.flow_contexts USING btree (flow_uuid);
CREATE INDEX flow_contexts_organization_id_index ON public.flow_contexts USING btree (organization_id);
CREATE INDEX flow_contexts_updated_at_index ON public.flow_contexts USING btree (updated_at);
CREATE INDEX flow_contexts_completed_at_index ON public.flow_contexts USING btree (completed_at) WHERE (completed_at IS NOT NULL);
CREATE INDEX flow_contexts_wakeup_at_index ON public.flow_contexts USING btree (wakeup_at) WHERE (wakeup_at IS NOT NULL);
CREATE INDEX flow_contexts_parent_id_index ON public.flow_contexts USING btree (parent_id) WHERE (parent_id IS NOT NULL);
CREATE INDEX flow_contexts_group_message_id_index ON public.flow_contexts USING btree (group_message_id) WHERE (group_message_id IS NOT NULL);
CREATE INDEX flow_contexts_message_broadcast_id_index ON public.flow_contexts USING btree (message_broadcast_id) WHERE (message_broadcast_id IS NOT NULL);

CREATE UNIQUE INDEX flow_results_flow_context_id_index ON public.flow_results USING btree (flow_context_id);
CREATE INDEX flow_results_contact_id_organization_id_index ON public.flow_results USING btree (contact_id, organization_id);
CREATE INDEX flow_results_flow_id_index ON public.flow_results USING btree (flow_id);
CREATE INDEX flow_results_organization_id_index ON public.flow_results USING btree (organization_id);
CREATE INDEX flow_results_updated_at_index ON public.flow_results USING btree (updated_at);

CREATE INDEX stats_date_index ON public.stats USING btree (date);
CREATE INDEX stats_organization_id_index ON public.stats USING btree (organization_id);

CREATE INDEX contact_histories_contact_id_index ON public.contact_histories USING btree (contact_id);
CREATE INDEX contact_histories_organization_id_index ON public.contact_histories USING btree (organization_id);

CREATE INDEX notifications_inserted_at_index ON public.notifications USING btree (inserted_at);
CREATE INDEX notifications_organization_id_index ON public.notifications USING btree (organization_id);
CREATE INDEX mail_logs_organization_id_index ON public.mail_logs USING btree (organization_id);
`;

// [table, column, referenced table, ON DELETE, constraint name (default <table>_<column>_fkey)]
type Fk = [string, string, string, 'CASCADE' | 'SET NULL' | 'RESTRICT' | 'NO ACTION', string?];
const ORG = 'public.organizations';
const FOREIGN_KEYS: Fk[] = [
  ['public.organizations', 'bsp_id', 'global.providers', 'NO ACTION', 'organizations_provider_id_fkey'],
  ['public.organizations', 'default_language_id', 'global.languages', 'RESTRICT'],
  ['public.organizations', 'newcontact_flow_id', 'public.flows', 'SET NULL'],
  ['public.organizations', 'optin_flow_id', 'public.flows', 'SET NULL'],
  // organizations.contact_id: deliberately no FK (Glific has none).

  ['public.contacts', 'language_id', 'global.languages', 'RESTRICT'],
  ['public.contacts', 'organization_id', ORG, 'CASCADE'],
  ['public.contacts', 'active_profile_id', 'public.profiles', 'SET NULL'],

  ['public.profiles', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.profiles', 'language_id', 'global.languages', 'RESTRICT'],
  ['public.profiles', 'organization_id', ORG, 'CASCADE'],

  ['public.tags', 'language_id', 'global.languages', 'RESTRICT'],
  ['public.tags', 'organization_id', ORG, 'CASCADE'],

  ['public.users', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.users', 'organization_id', ORG, 'CASCADE'],
  ['public.users', 'language_id', 'global.languages', 'RESTRICT'],

  ['public.flows', 'organization_id', ORG, 'CASCADE'],
  ['public.flows', 'tag_id', 'public.tags', 'NO ACTION'],

  ['public.groups', 'organization_id', ORG, 'CASCADE'],
  ['public.contacts_groups', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.contacts_groups', 'group_id', 'public.groups', 'CASCADE'],
  ['public.contacts_groups', 'organization_id', ORG, 'CASCADE'],

  ['public.messages_media', 'organization_id', ORG, 'CASCADE'],
  ['public.session_templates', 'language_id', 'global.languages', 'RESTRICT'],
  ['public.session_templates', 'organization_id', ORG, 'CASCADE'],
  ['public.session_templates', 'parent_id', 'public.session_templates', 'SET NULL'],
  ['public.session_templates', 'message_media_id', 'public.messages_media', 'CASCADE'],
  ['public.session_templates', 'tag_id', 'public.tags', 'NO ACTION'],
  ['public.interactive_templates', 'language_id', 'global.languages', 'RESTRICT'],
  ['public.interactive_templates', 'organization_id', ORG, 'CASCADE'],
  ['public.whatsapp_forms_responses', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.whatsapp_forms_responses', 'organization_id', ORG, 'CASCADE'],
  ['public.wa_groups', 'organization_id', ORG, 'CASCADE'],

  // Renamed from flow_broadcasts: constraint names kept; flow_id has two identical FKs in Glific.
  ['public.message_broadcasts', 'flow_id', 'public.flows', 'CASCADE', 'flow_broadcasts_flow_id_fkey'],
  ['public.message_broadcasts', 'flow_id', 'public.flows', 'CASCADE', 'message_broadcasts_flow_id_fkey'],
  ['public.message_broadcasts', 'group_id', 'public.groups', 'CASCADE', 'flow_broadcasts_group_id_fkey'],
  ['public.message_broadcasts', 'message_id', 'public.messages', 'SET NULL', 'flow_broadcasts_message_id_fkey'],
  ['public.message_broadcasts', 'user_id', 'public.users', 'SET NULL', 'flow_broadcasts_user_id_fkey'],
  ['public.message_broadcasts', 'organization_id', ORG, 'CASCADE', 'flow_broadcasts_organization_id_fkey'],
  ['public.message_broadcast_contacts', 'message_broadcast_id', 'public.message_broadcasts', 'CASCADE', 'flow_broadcast_contacts_flow_broadcast_id_fkey'],
  ['public.message_broadcast_contacts', 'contact_id', 'public.contacts', 'CASCADE', 'flow_broadcast_contacts_contact_id_fkey'],
  ['public.message_broadcast_contacts', 'organization_id', ORG, 'CASCADE', 'flow_broadcast_contacts_organization_id_fkey'],

  ['public.messages', 'sender_id', 'public.contacts', 'CASCADE'],
  ['public.messages', 'receiver_id', 'public.contacts', 'CASCADE'],
  ['public.messages', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.messages', 'user_id', 'public.users', 'SET NULL'],
  ['public.messages', 'media_id', 'public.messages_media', 'SET NULL'],
  ['public.messages', 'organization_id', ORG, 'CASCADE'],
  ['public.messages', 'flow_id', 'public.flows', 'SET NULL'],
  ['public.messages', 'group_id', 'public.groups', 'CASCADE'],
  ['public.messages', 'context_message_id', 'public.messages', 'CASCADE'],
  ['public.messages', 'group_message_id', 'public.messages', 'SET NULL'],
  ['public.messages', 'template_id', 'public.session_templates', 'SET NULL'],
  ['public.messages', 'interactive_template_id', 'public.interactive_templates', 'SET NULL'],
  ['public.messages', 'message_broadcast_id', 'public.message_broadcasts', 'SET NULL', 'messages_flow_broadcast_id_fkey'],
  ['public.messages', 'profile_id', 'public.profiles', 'SET NULL'],
  ['public.messages', 'whatsapp_form_response_id', 'public.whatsapp_forms_responses', 'SET NULL'],

  ['public.messages_conversations', 'message_id', 'public.messages', 'CASCADE'],
  ['public.messages_conversations', 'organization_id', ORG, 'CASCADE'],

  ['public.flow_contexts', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.flow_contexts', 'flow_id', 'public.flows', 'CASCADE'],
  ['public.flow_contexts', 'parent_id', 'public.flow_contexts', 'SET NULL'],
  ['public.flow_contexts', 'organization_id', ORG, 'CASCADE'],
  ['public.flow_contexts', 'group_message_id', 'public.messages', 'SET NULL'],
  ['public.flow_contexts', 'message_broadcast_id', 'public.message_broadcasts', 'SET NULL', 'flow_contexts_flow_broadcast_id_fkey'],
  ['public.flow_contexts', 'profile_id', 'public.profiles', 'SET NULL'],
  ['public.flow_contexts', 'wa_group_id', 'public.wa_groups', 'CASCADE'],

  ['public.flow_results', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.flow_results', 'flow_id', 'public.flows', 'CASCADE'],
  ['public.flow_results', 'organization_id', ORG, 'CASCADE'],
  ['public.flow_results', 'profile_id', 'public.profiles', 'SET NULL'],
  // flow_results.flow_context_id: no FK in Glific.

  ['public.stats', 'organization_id', ORG, 'CASCADE'],
  ['public.contact_histories', 'contact_id', 'public.contacts', 'CASCADE'],
  ['public.contact_histories', 'organization_id', ORG, 'CASCADE'],
  ['public.contact_histories', 'profile_id', 'public.profiles', 'SET NULL'],
  ['public.notifications', 'organization_id', ORG, 'CASCADE'],
  ['public.mail_logs', 'organization_id', ORG, 'CASCADE'],
];

function fkSql([table, column, ref, onDelete, name]: Fk): string {
  const bare = table.split('.')[1];
  const constraint = name ?? `${bare}_${column}_fkey`;
  const action = onDelete === 'NO ACTION' ? '' : ` ON DELETE ${onDelete}`;
  return `ALTER TABLE ONLY ${table} ADD CONSTRAINT ${constraint} FOREIGN KEY (${column}) REFERENCES ${ref}(id)${action};`;
}

const TRIGGERS = `
CREATE TRIGGER update_organization_id_trigger AFTER INSERT ON public.organizations FOR EACH ROW EXECUTE FUNCTION public.update_organization_id();
CREATE TRIGGER message_before_insert_trigger BEFORE INSERT ON public.messages FOR EACH ROW EXECUTE FUNCTION public.message_before_insert_callback();
CREATE TRIGGER message_after_insert_trigger AFTER INSERT ON public.messages FOR EACH ROW EXECUTE FUNCTION public.message_after_insert_callback();
CREATE TRIGGER update_contact_updated_at_trigger AFTER INSERT OR DELETE OR UPDATE ON public.contacts_groups FOR EACH ROW EXECUTE FUNCTION public.update_contact_updated_at();
CREATE TRIGGER remove_old_history_trigger AFTER INSERT ON public.contact_histories FOR EACH ROW EXECUTE FUNCTION public.remove_old_history();
-- Disabled: see the top of demo/glific/schema.ts.
ALTER TABLE public.messages DISABLE TRIGGER message_before_insert_trigger;
ALTER TABLE public.messages DISABLE TRIGGER message_after_insert_trigger;
ALTER TABLE public.contacts_groups DISABLE TRIGGER update_contact_updated_at_trigger;
ALTER TABLE public.contact_histories DISABLE TRIGGER remove_old_history_trigger;
`;

export const GLIFIC_DDL: string = [
  'CREATE SCHEMA IF NOT EXISTS global;',
  'CREATE SCHEMA IF NOT EXISTS public;',
  'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;',
  'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;',
  ENUMS,
  FUNCTIONS,
  TABLES,
  INDEXES,
  MESSAGES_INDEXES.map((i) => i.sql + ';').join('\n'),
  FOREIGN_KEYS.map(fkSql).join('\n'),
  TRIGGERS,
].join('\n');

/** Create Glific's schema on an empty database (one transaction: all or nothing). */
export async function createGlificSchema(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    // knex.raw turns every '?' into a placeholder, even without bindings.
    await trx.raw(GLIFIC_DDL.replace(/\?/g, '\\?'));
  });
}
